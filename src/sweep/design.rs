//! Design generators: where in parameter space each point of a sweep lies. Points are numbered, and the
//! values of any point can be computed on their own, so a shard or a resumed sweep needs no state from the
//! points before it.
//!
//! - grid: mixed-radix numbering of every combination of levels, first parameter slowest;
//! - random: independent uniform draws from counter-based streams keyed by (seed, parameter, point);
//! - lhs: Latin hypercube (McKay, Beckman & Conover 1979): each parameter's unit interval is cut into
//!   `points` strata, a random permutation gives each point its stratum, a uniform draw its place in it;
//! - sobol: Saltelli's (2002, 2010) scheme on an unscrambled Sobol sequence (Joe & Kuo 2008 direction
//!   numbers) of dimension 2k: base sample j gives rows A_j (first k coordinates), B_j (last k) and, for each
//!   parameter i, A_j with coordinate i taken from B_j. Point `j (k + 2) + c` is row c of base sample j.

use super::spec::{Design, Sweep};
use crate::rng::{Purpose, Stream};
use rand::seq::SliceRandom;
use toml::Value;

/// The points of a sweep.
pub struct Plan {
    design: Design,
    k: usize,
    seed: u64,
    /// Grid: the levels of each parameter.
    levels: Vec<Vec<Value>>,
    /// Latin hypercube: for each parameter, the stratum of each point.
    strata: Vec<Vec<u32>>,
    /// Sobol: the 2k-dimensional sequence, one row per base sample.
    sequence: Vec<Vec<f64>>,
    len: usize,
}

/// The first `n` points of the unscrambled Sobol sequence in `dims` dimensions (Joe–Kuo D6 direction
/// numbers), starting with the origin.
pub fn sobol_sequence(dims: usize, n: usize) -> Vec<Vec<f64>> {
    let params = sobol::params::JoeKuoD6::minimal();
    sobol::Sobol::<f64>::new(dims, &params).take(n).collect()
}

impl Plan {
    pub fn new(sweep: &Sweep) -> Plan {
        let k = sweep.parameters.len();
        let n = sweep.samples;
        let seed = sweep.seed;
        let mut plan = Plan {
            design: sweep.design,
            k,
            seed,
            levels: Vec::new(),
            strata: Vec::new(),
            sequence: Vec::new(),
            len: 0,
        };
        match sweep.design {
            Design::Grid => {
                plan.levels = sweep.parameters.iter().map(|p| p.domain.levels()).collect();
                plan.len = plan.levels.iter().map(Vec::len).product();
            }
            Design::Random => plan.len = n,
            Design::Lhs => {
                plan.strata = (0..k)
                    .map(|i| {
                        let mut order: Vec<u32> = (0..n as u32).collect();
                        let mut rng = Stream::new(seed, 0, Purpose::SweepDesign, i as u32, u64::MAX);
                        order.shuffle(&mut rng);
                        order
                    })
                    .collect();
                plan.len = n;
            }
            Design::Sobol => {
                plan.sequence = sobol_sequence(2 * k, n);
                plan.len = n * (k + 2);
            }
        }
        plan
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The unit coordinates of a point (not defined for grids, whose points are levels).
    pub fn unit(&self, point: usize) -> Vec<f64> {
        let k = self.k;
        match self.design {
            Design::Grid => Vec::new(),
            Design::Random => (0..k)
                .map(|i| Stream::new(self.seed, 1, Purpose::SweepDesign, i as u32, point as u64).uniform())
                .collect(),
            Design::Lhs => {
                let n = self.len as f64;
                (0..k)
                    .map(|i| {
                        let jitter = Stream::new(self.seed, 2, Purpose::SweepDesign, i as u32, point as u64).uniform();
                        (self.strata[i][point] as f64 + jitter) / n
                    })
                    .collect()
            }
            Design::Sobol => {
                let (j, c) = (point / (k + 2), point % (k + 2));
                let row = &self.sequence[j];
                let (a, b) = row.split_at(k);
                match c {
                    0 => a.to_vec(),
                    1 => b.to_vec(),
                    _ => {
                        let mut x = a.to_vec();
                        x[c - 2] = b[c - 2];
                        x
                    }
                }
            }
        }
    }

    /// The parameter values of a point.
    pub fn values(&self, sweep: &Sweep, point: usize) -> Vec<Value> {
        match self.design {
            Design::Grid => {
                let mut rest = point;
                let mut out = vec![Value::Boolean(false); self.k];
                for i in (0..self.k).rev() {
                    let n = self.levels[i].len();
                    out[i] = self.levels[i][rest % n].clone();
                    rest /= n;
                }
                out
            }
            _ => self.unit(point).iter().zip(&sweep.parameters).map(|(u, p)| p.domain.at_unit(*u)).collect(),
        }
    }

    /// For a grid, the level index of each parameter at a point.
    pub fn grid_index(&self, point: usize) -> Vec<usize> {
        let mut rest = point;
        let mut out = vec![0; self.k];
        for i in (0..self.k).rev() {
            let n = self.levels[i].len();
            out[i] = rest % n;
            rest /= n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sobol_sequence_matches_the_published_points() {
        // The first eight points of the two-dimensional unscrambled Sobol sequence (Joe & Kuo 2008; the same
        // as scipy.stats.qmc.Sobol(d=2, scramble=False)).
        let expected = [
            [0.0, 0.0],
            [0.5, 0.5],
            [0.75, 0.25],
            [0.25, 0.75],
            [0.375, 0.375],
            [0.875, 0.875],
            [0.625, 0.125],
            [0.125, 0.625],
        ];
        let got = sobol_sequence(2, 8);
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g.as_slice(), e.as_slice());
        }
        // Third dimension (Joe–Kuo: s = 2, a = 1, m = 1, 3): 0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375.
        let third: Vec<f64> = sobol_sequence(3, 8).iter().map(|p| p[2]).collect();
        assert_eq!(third, [0.0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375]);
    }
}
