//! What a finished sweep adds to `runs.csv`: each point over its replicates (`points.csv`), sensitivity
//! indices (`sensitivity.csv`) and charts. Everything is computed from `runs.csv` and the manifest alone,
//! streaming the runs point by point, so a merged sweep and an unsharded one give the same bytes and
//! `supportsim report` can redraw a sweep folder.
//!
//! - Random and Latin-hypercube designs: partial rank correlation coefficients (PRCC; Marino et al. 2008)
//!   of each numeric parameter with each output, on the point means, from the inverse of the rank
//!   correlation matrix.
//! - Sobol designs: first-order indices by Saltelli et al.'s (2010) estimator and total indices by
//!   Jansen's (1999), on the point means.
//! - Both with 95% percentile intervals from 1,000 bootstrap resamples of points (PRCC) or base samples
//!   (Sobol), drawn from seeded streams so the intervals are reproducible.

use super::format::{csv_line, Info, Output};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::mean_ci;
use crate::output::num;
use crate::rng::{Purpose, Stream};
use nalgebra::DMatrix;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Bootstrap resamples behind each interval.
pub const BOOTSTRAP: usize = 1000;

/// Average ranks (1-based; ties share the mean of their ranks).
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &o in &order[i..=j] {
            r[o] = avg;
        }
        i = j + 1;
    }
    r
}

/// Partial rank correlation of each column of `x` (one `Vec` per parameter) with `y`, controlling for the
/// other columns. NaN where undefined (a constant column, fewer points than parameters + 2).
pub fn prcc(x: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let k = x.len();
    let n = y.len();
    if n < k + 2 {
        return vec![f64::NAN; k];
    }
    let mut cols: Vec<Vec<f64>> = x.iter().map(|c| ranks(c)).collect();
    cols.push(ranks(y));
    let centred: Vec<Vec<f64>> = cols
        .iter()
        .map(|c| {
            let m = c.iter().sum::<f64>() / n as f64;
            c.iter().map(|v| v - m).collect()
        })
        .collect();
    let norms: Vec<f64> = centred.iter().map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt()).collect();
    if norms.contains(&0.0) {
        return vec![f64::NAN; k];
    }
    let corr = DMatrix::from_fn(k + 1, k + 1, |i, j| {
        centred[i].iter().zip(&centred[j]).map(|(a, b)| a * b).sum::<f64>() / (norms[i] * norms[j])
    });
    if k == 1 {
        return vec![corr[(0, 1)].clamp(-1.0, 1.0)]; // nothing to partial out: Spearman's correlation
    }
    match corr.try_inverse() {
        Some(p) => (0..k).map(|i| (-p[(i, k)] / (p[(i, i)] * p[(k, k)]).sqrt()).clamp(-1.0, 1.0)).collect(),
        None => vec![f64::NAN; k],
    }
}

/// First-order (Saltelli 2010) and total (Jansen 1999) Sobol indices from the model values at the rows A,
/// B and A_B^i of each base sample: `a[j]`, `b[j]`, `ab[i][j]`.
pub fn sobol_indices(a: &[f64], b: &[f64], ab: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let n = a.len() as f64;
    let all: Vec<f64> = a.iter().chain(b).copied().collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (all.len() as f64 - 1.0);
    let first = ab
        .iter()
        .map(|abi| b.iter().zip(abi).zip(a).map(|((bj, abj), aj)| bj * (abj - aj)).sum::<f64>() / n / var)
        .collect();
    let total = ab
        .iter()
        .map(|abi| a.iter().zip(abi).map(|(aj, abj)| (aj - abj).powi(2)).sum::<f64>() / (2.0 * n) / var)
        .collect();
    (first, total)
}

/// 2.5% and 97.5% percentiles of the finite values.
fn percentile_interval(mut v: Vec<f64>) -> (f64, f64) {
    v.retain(|x| x.is_finite());
    if v.len() < 10 {
        return (f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let h = (v.len() - 1) as f64 * q;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    };
    (at(0.025), at(0.975))
}

/// One row of `sensitivity.csv`.
#[derive(Clone, Debug)]
pub struct Index {
    pub parameter: String,
    pub output: Output,
    /// `prcc`, `first_order` or `total`.
    pub index: &'static str,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Points (PRCC) or base samples (Sobol) used.
    pub n: usize,
}

/// Each point of the sweep: its parameter values as written and the mean of each output over replicates.
pub struct PointMeans {
    pub values: Vec<String>,
    pub means: Vec<f64>,
    /// Each output's 95% interval over the point's replicates.
    pub low: Vec<f64>,
    pub high: Vec<f64>,
}

fn read_err(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::Read { path: path.to_path_buf(), source: std::io::Error::other(e) }
}

/// Streams `data/runs.csv`, writes `out/points.csv`, and returns each point's means.
pub fn points(data: &Path, out_dir: &Path, info: &Info, cancel: &Cancel) -> Result<Vec<PointMeans>> {
    let runs = data.join("runs.csv");
    let mut reader = csv::ReaderBuilder::new().from_reader(crate::files::open_regular(&runs)?);
    let header: Vec<String> = reader.headers().map_err(read_err(&runs))?.iter().map(str::to_owned).collect();
    if header != info.header() {
        return Err(Error::Usage(format!("{}: its header does not match the manifest", runs.display())));
    }
    let k = info.parameters.len();
    let path = out_dir.join("points.csv");
    let mut out = BufWriter::new(File::create(&path).map_err(|e| Error::write(&path, e))?);
    let mut head: Vec<String> = vec!["point".into()];
    head.extend(info.parameters.iter().map(|p| p.path.clone()));
    head.extend(["quantity", "metric", "group", "replicates", "mean", "sd", "ci_low", "ci_high"].map(String::from));
    out.write_all(&csv_line(&head)).map_err(|e| Error::write(&path, e))?;
    let mut result: Vec<PointMeans> = Vec::with_capacity(info.points);
    let mut current: Option<(usize, Vec<String>, Vec<Vec<f64>>)> = None;
    let mut flush = |cur: (usize, Vec<String>, Vec<Vec<f64>>), out: &mut BufWriter<File>| -> Result<()> {
        let (point, values, samples) = cur;
        let (mut means, mut lows, mut highs) = (Vec::new(), Vec::new(), Vec::new());
        for (o, s) in info.outputs.iter().zip(&samples) {
            let finite: Vec<f64> = s.iter().copied().filter(|x| x.is_finite()).collect();
            let (mean, lo, hi) = mean_ci(&finite);
            let sd = if finite.len() > 1 {
                (finite.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (finite.len() - 1) as f64).sqrt()
            } else {
                f64::NAN
            };
            let mut row: Vec<String> = vec![point.to_string()];
            row.extend(values.iter().cloned());
            row.extend([o.quantity.clone(), o.metric.clone(), o.group.clone(), finite.len().to_string()]);
            row.extend([mean, sd, lo, hi].map(num));
            out.write_all(&csv_line(&row)).map_err(|e| Error::write(&path, e))?;
            means.push(mean);
            lows.push(lo);
            highs.push(hi);
        }
        result.push(PointMeans { values, means, low: lows, high: highs });
        Ok(())
    };
    for (i, record) in reader.records().enumerate() {
        if i % 4096 == 0 {
            cancel.check()?;
        }
        let record = record.map_err(read_err(&runs))?;
        let point: usize =
            record[0].parse().map_err(|_| Error::Usage(format!("{}: bad point `{}`", runs.display(), &record[0])))?;
        if current.as_ref().is_some_and(|c| c.0 != point) {
            flush(current.take().expect("checked"), &mut out)?;
        }
        let cur = current.get_or_insert_with(|| {
            (point, (0..k).map(|i| record[3 + i].to_string()).collect(), vec![Vec::new(); info.outputs.len()])
        });
        for (o, s) in cur.2.iter_mut().enumerate() {
            s.push(record[3 + k + o].parse().unwrap_or(f64::NAN));
        }
    }
    if let Some(c) = current.take() {
        flush(c, &mut out)?;
    }
    out.flush().map_err(|e| Error::write(&path, e))?;
    if result.len() != info.points {
        return Err(Error::Usage(format!(
            "{}: {} points where the sweep has {}",
            runs.display(),
            result.len(),
            info.points
        )));
    }
    Ok(result)
}

/// Sensitivity indices of every numeric parameter (PRCC) or every parameter (Sobol) on each primary
/// output.
pub fn sensitivity(info: &Info, points: &[PointMeans], cancel: &Cancel) -> Result<Vec<Index>> {
    let primary: Vec<(usize, &Output)> =
        info.outputs.iter().enumerate().filter(|(_, o)| o.quantity == info.primary()).collect();
    let mut out = Vec::new();
    let k = info.parameters.len();
    for (oi, (col, output)) in primary.iter().enumerate() {
        cancel.check()?;
        match info.design.as_str() {
            "random" | "lhs" => {
                let numeric: Vec<usize> = (0..k).filter(|i| info.parameters[*i].numeric).collect();
                let rows: Vec<&PointMeans> = points.iter().filter(|p| p.means[*col].is_finite()).collect();
                let x: Vec<Vec<f64>> = numeric
                    .iter()
                    .map(|&i| rows.iter().map(|p| p.values[i].parse::<f64>().unwrap_or(f64::NAN)).collect())
                    .collect();
                let y: Vec<f64> = rows.iter().map(|p| p.means[*col]).collect();
                let est = prcc(&x, &y);
                let n = y.len();
                let boots: Vec<Vec<f64>> = (0..BOOTSTRAP)
                    .take_while(|_| !cancel.requested())
                    .map(|b| {
                        let mut rng = Stream::new(info.seed, oi as u32, Purpose::Bootstrap, 0, b as u64);
                        let pick: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
                        let xb: Vec<Vec<f64>> = x.iter().map(|c| pick.iter().map(|&j| c[j]).collect()).collect();
                        let yb: Vec<f64> = pick.iter().map(|&j| y[j]).collect();
                        prcc(&xb, &yb)
                    })
                    .collect();
                for (e, &i) in numeric.iter().enumerate() {
                    let (lo, hi) = percentile_interval(boots.iter().map(|b| b[e]).collect());
                    out.push(Index {
                        parameter: info.parameters[i].path.clone(),
                        output: (*output).clone(),
                        index: "prcc",
                        estimate: est[e],
                        ci_low: lo,
                        ci_high: hi,
                        n,
                    });
                }
            }
            "sobol" => {
                // Base samples with every row defined.
                let block = k + 2;
                let samples: Vec<usize> = (0..info.samples)
                    .filter(|j| (0..block).all(|c| points[j * block + c].means[*col].is_finite()))
                    .collect();
                let get = |j: usize, c: usize| points[j * block + c].means[*col];
                let split = |pick: &[usize]| {
                    let a: Vec<f64> = pick.iter().map(|&j| get(j, 0)).collect();
                    let b: Vec<f64> = pick.iter().map(|&j| get(j, 1)).collect();
                    let ab: Vec<Vec<f64>> = (0..k).map(|i| pick.iter().map(|&j| get(j, 2 + i)).collect()).collect();
                    sobol_indices(&a, &b, &ab)
                };
                let (s1, st) = split(&samples);
                let n = samples.len();
                let boots: Vec<(Vec<f64>, Vec<f64>)> = (0..BOOTSTRAP)
                    .take_while(|_| !cancel.requested())
                    .map(|b| {
                        let mut rng = Stream::new(info.seed, oi as u32, Purpose::Bootstrap, 1, b as u64);
                        let pick: Vec<usize> = (0..n).map(|_| samples[rng.below(n)]).collect();
                        split(&pick)
                    })
                    .collect();
                for i in 0..k {
                    for (name, est, which) in [("first_order", s1[i], 0), ("total", st[i], 1)] {
                        let draws = boots.iter().map(|(f, t)| if which == 0 { f[i] } else { t[i] }).collect();
                        let (lo, hi) = percentile_interval(draws);
                        out.push(Index {
                            parameter: info.parameters[i].path.clone(),
                            output: (*output).clone(),
                            index: name,
                            estimate: est,
                            ci_low: lo,
                            ci_high: hi,
                            n,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    cancel.check()?;
    Ok(out)
}

pub fn write_sensitivity(path: &Path, rows: &[Index]) -> Result<()> {
    let mut out = BufWriter::new(File::create(path).map_err(|e| Error::write(path, e))?);
    let head = ["parameter", "quantity", "metric", "group", "index", "estimate", "ci_low", "ci_high", "n"];
    out.write_all(&csv_line(&head)).map_err(|e| Error::write(path, e))?;
    for r in rows {
        let row = [
            r.parameter.clone(),
            r.output.quantity.clone(),
            r.output.metric.clone(),
            r.output.group.clone(),
            r.index.to_string(),
            num(r.estimate),
            num(r.ci_low),
            num(r.ci_high),
            r.n.to_string(),
        ];
        out.write_all(&csv_line(&row)).map_err(|e| Error::write(path, e))?;
    }
    out.flush().map_err(|e| Error::write(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::design::sobol_sequence;
    use std::f64::consts::PI;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, 1.0, 2.0, 1.0]), vec![4.0, 1.5, 3.0, 1.5]);
    }

    #[test]
    fn prcc_finds_monotone_effects_and_ignores_noise() {
        // y = x0 - x1^3 + a little of x2's noise; x2 has no effect.
        let n = 400;
        let mut rng = Stream::new(7, 0, Purpose::SweepDesign, 0, 0);
        let x: Vec<Vec<f64>> = (0..3).map(|_| (0..n).map(|_| rng.uniform()).collect()).collect();
        let noise: Vec<f64> = (0..n).map(|_| rng.uniform() - 0.5).collect();
        let y: Vec<f64> = (0..n).map(|j| x[0][j] - x[1][j].powi(3) + 0.05 * noise[j]).collect();
        let p = prcc(&x, &y);
        assert!(p[0] > 0.85, "{p:?}");
        assert!(p[1] < -0.85, "{p:?}");
        assert!(p[2].abs() < 0.15, "{p:?}");
        // With one parameter PRCC is Spearman's rank correlation.
        let z: Vec<f64> = (0..n).map(|j| x[0][j].exp() + noise[j]).collect();
        let one = prcc(&x[..1], &z);
        let (r0, rz) = (ranks(&x[0]), ranks(&z));
        let m = (n as f64 + 1.0) / 2.0;
        let cov: f64 = r0.iter().zip(&rz).map(|(a, b)| (a - m) * (b - m)).sum();
        let var: f64 = r0.iter().map(|a| (a - m).powi(2)).sum();
        assert!((one[0] - cov / var).abs() < 1e-9, "{one:?} vs {}", cov / var);
        let perfect = prcc(&x[..1], &x[0].iter().map(|v| v.exp()).collect::<Vec<_>>());
        assert!((perfect[0] - 1.0).abs() < 1e-12, "{perfect:?}");
    }

    #[test]
    fn prcc_equals_the_correlation_of_rank_residuals() {
        // The textbook definition (Marino et al. 2008): regress the ranks of x_i and of y on the ranks of the
        // other parameters (least squares with an intercept) and correlate the residuals.
        let n = 60;
        let mut rng = Stream::new(3, 0, Purpose::SweepDesign, 0, 0);
        let x: Vec<Vec<f64>> = (0..3).map(|_| (0..n).map(|_| rng.uniform()).collect()).collect();
        let y: Vec<f64> = (0..n).map(|j| x[0][j] * x[1][j] + 0.3 * rng.uniform() - x[2][j].sqrt()).collect();
        let fast = prcc(&x, &y);
        let rx: Vec<Vec<f64>> = x.iter().map(|c| ranks(c)).collect();
        let ry = ranks(&y);
        for i in 0..3 {
            let others: Vec<&Vec<f64>> = (0..3).filter(|j| *j != i).map(|j| &rx[j]).collect();
            let design = DMatrix::from_fn(n, 3, |r, c| if c == 0 { 1.0 } else { others[c - 1][r] });
            let residual = |v: &[f64]| {
                let target = nalgebra::DVector::from_column_slice(v);
                let beta = design.clone().svd(true, true).solve(&target, 1e-12).unwrap();
                (target - &design * beta).iter().copied().collect::<Vec<f64>>()
            };
            let (a, b) = (residual(&rx[i]), residual(&ry));
            let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(p, q)| p * q).sum::<f64>();
            let slow = dot(&a, &b) / (dot(&a, &a) * dot(&b, &b)).sqrt();
            assert!((fast[i] - slow).abs() < 1e-9, "parameter {i}: {} vs {slow}", fast[i]);
        }
    }

    /// The Ishigami function (Ishigami & Homma 1990) with a = 7, b = 0.1, on [-π, π]^3.
    fn ishigami(x: &[f64]) -> f64 {
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn sobol_indices_of_the_ishigami_function() {
        // Analytical values: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
        let k = 3;
        let n = 1 << 13;
        let seq = sobol_sequence(2 * k, n + 1);
        let scale = |u: &[f64]| u.iter().map(|v| -PI + 2.0 * PI * v).collect::<Vec<_>>();
        let (mut a, mut b, mut ab) = (Vec::new(), Vec::new(), vec![Vec::new(); k]);
        // Skip the origin, whose coordinates sit on the domain's edge for every parameter at once.
        for row in &seq[1..] {
            let (ra, rb) = row.split_at(k);
            a.push(ishigami(&scale(ra)));
            b.push(ishigami(&scale(rb)));
            for (i, abi) in ab.iter_mut().enumerate() {
                let mut x = ra.to_vec();
                x[i] = rb[i];
                abi.push(ishigami(&scale(&x)));
            }
        }
        let (s1, st) = sobol_indices(&a, &b, &ab);
        let (e1, et) = ([0.3139, 0.4424, 0.0], [0.5576, 0.4424, 0.2437]);
        for i in 0..k {
            assert!((s1[i] - e1[i]).abs() < 0.02, "S1[{i}] = {} (analytical {})", s1[i], e1[i]);
            assert!((st[i] - et[i]).abs() < 0.02, "ST[{i}] = {} (analytical {})", st[i], et[i]);
        }
    }
}
