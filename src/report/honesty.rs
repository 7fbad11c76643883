//! What keeps a report honest about its numbers: p-values from the saved intervals, the Benjamini–Hochberg
//! correction over the exploratory rows, and a trend test that says when an effect has not settled by the end
//! of the run. All from saved files (effects.csv, timeseries.csv), so `supportsim report` redraws the same.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The false-discovery rate the report controls its exploratory rows at.
pub const FDR: f64 = 0.05;

/// Two-sided p-value of a mean paired difference from its 95% t-interval over `n` replicates (the interval's
/// half-width is t(0.975, n−1) standard errors). NaN when it cannot be known (fewer than two replicates).
pub fn p_value(difference: f64, low: f64, high: f64, n: u64) -> f64 {
    if n < 2 || !difference.is_finite() || !low.is_finite() || !high.is_finite() {
        return f64::NAN;
    }
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("valid degrees of freedom");
    let se = (high - low) / (2.0 * t.inverse_cdf(0.975));
    if se <= 0.0 {
        return if difference == 0.0 { 1.0 } else { 0.0 };
    }
    2.0 * (1.0 - t.cdf((difference / se).abs()))
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given; NaN entries stay NaN and do not count
/// as tests. A row is a discovery at false-discovery rate `q` when its adjusted value is at most `q`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m / (rank + 1) as f64);
        out[i] = running;
    }
    out
}

/// How the paired difference moved over the analysis window: each replicate's least-squares slope (per day)
/// of its difference against the day, and their mean with a 95% t-interval over replicates.
pub fn trend(days: &[u32], per_replicate: &[Vec<f64>]) -> (f64, f64, f64) {
    let slopes: Vec<f64> = per_replicate
        .iter()
        .filter_map(|ys| {
            let pts: Vec<(f64, f64)> =
                days.iter().zip(ys).filter(|(_, y)| y.is_finite()).map(|(d, y)| (*d as f64, *y)).collect();
            if pts.len() < 3 {
                return None;
            }
            let n = pts.len() as f64;
            let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
            let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
            let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            (sxx > 0.0).then(|| sxy / sxx)
        })
        .collect();
    crate::experiment::mean_ci(&slopes)
}

/// Whether an effect is still moving at the end of the run: its trend's interval excludes zero, and over
/// the window it moves by at least a quarter of the effect and by more than the report shows (0.001 of the
/// metric's unit, a tenth of a point for a share).
pub fn still_moving(slope: (f64, f64, f64), window_days: u32, effect: f64) -> bool {
    let (s, lo, hi) = slope;
    let drift = (s * window_days as f64).abs();
    lo.is_finite() && hi.is_finite() && (lo > 0.0 || hi < 0.0) && drift >= 0.25 * effect.abs() && drift >= 0.001
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benjamini_hochberg_matches_the_hand_computation() {
        // Sorted p: 0.005, 0.01, 0.03, 0.04 (m = 4): p·m/rank = 0.02, 0.02, 0.04, 0.04, then running minima.
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, f64::NAN]);
        let want = [0.02, 0.04, 0.04, 0.02];
        for (got, want) in q.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{q:?}");
        }
        assert!(q[4].is_nan());
        // One real effect among 19 null rows with p spread as chance spreads them: the null row at p = 0.04 is
        // "significant" alone, and not after the correction.
        let mut p: Vec<f64> = (0..20).map(|i| (i as f64 - 0.2) / 20.0).collect();
        p[0] = 0.001;
        let q = benjamini_hochberg(&p);
        assert!(p[1] < 0.05 && q[0] <= FDR && q[1..].iter().all(|x| *x > FDR), "{q:?}");
    }

    #[test]
    fn p_values_come_back_from_intervals() {
        // A difference of 2 with se 1 over 3 replicates: t = 2 on 2 df, two-sided p = 0.1835.
        let half = 4.302_652_729_749_464;
        let p = p_value(2.0, 2.0 - half, 2.0 + half, 3);
        assert!((p - 0.183_503_419).abs() < 1e-6, "{p}");
        assert!(p_value(1.0, 0.5, 1.5, 1).is_nan());
    }

    #[test]
    fn a_steady_drift_is_still_moving_and_noise_around_a_level_is_not() {
        let days: Vec<u32> = (0..26).map(|w| 546 + 7 * w).collect();
        let noise = |r: usize, k: usize| ((r * 31 + k * 17) % 11) as f64 / 11.0 - 0.5;
        // Ties falling in a straight line by 0.002 a week, replicate noise ±0.002.
        let falling: Vec<Vec<f64>> =
            (0..8).map(|r| (0..26).map(|k| -0.05 - 0.002 * k as f64 + 0.004 * noise(r, k)).collect()).collect();
        let slope = trend(&days, &falling);
        assert!(still_moving(slope, 182, -0.075), "{slope:?}");
        let flat: Vec<Vec<f64>> = (0..8).map(|r| (0..26).map(|k| 0.1 + 0.01 * noise(r, k)).collect()).collect();
        assert!(!still_moving(trend(&days, &flat), 182, 0.1));
    }
}
