//! The strengths the start's ties are drawn from: the long-run distribution of each kind of tie in the
//! default town, as quantiles, so that the network's strengths hold still from the first day.

/// Share of the venue ties at the start made in the past year: of residents' and of service users' venue
/// ties in the long run of the default town (24% and 34% at year 20 of `examples/tie_strengths.rs`).
pub(super) const YOUNG_VENUE_TIES: [f64; 2] = [0.24, 0.34];

/// A distribution given by its 21 quantiles at 0, 5%, …, 100%: a draw is the straight-line interpolation
/// between the two quantiles around a uniform number.
pub(super) struct Quantiles([f32; 21]);

impl Quantiles {
    pub(super) fn at(&self, u: f64) -> f32 {
        let x = (u.clamp(0.0, 1.0) * 20.0) as f32;
        let k = (x as usize).min(19);
        let (lo, hi) = (self.0[k], self.0[k + 1]);
        lo + (hi - lo) * (x - k as f32)
    }
}

/// The strengths the dynamics keep ties at: in the default town after 20 years without events
/// (`cargo run --release --example tie_strengths -- scenarios/baseline.toml 7280`, 1 replicate), residents'
/// and service users' kin ties, friendships and venue ties known for over a year (a tie with a service user
/// at either end counts as a service user's), and venue ties made in the past year (the same for both), to
/// within their sampling noise. Ties start drawn from these so that the strengths hold still from the start
/// instead of settling over years (docs/validation.md §1).
pub(super) const KIN_STRENGTH: [Quantiles; 2] = [
    Quantiles([
        0.652, 0.891, 0.917, 0.936, 0.952, 0.964, 0.970, 0.973, 0.976, 0.978, 0.979, 0.980, 0.982, 0.983, 0.984, 0.985,
        0.986, 0.987, 0.988, 0.989, 0.994,
    ]),
    Quantiles([
        0.731, 0.838, 0.854, 0.865, 0.874, 0.881, 0.888, 0.894, 0.899, 0.905, 0.911, 0.916, 0.921, 0.927, 0.934, 0.942,
        0.951, 0.963, 0.971, 0.978, 0.992,
    ]),
];
/// See [`KIN_STRENGTH`]; friendships of service users (either end) are weaker, as their friends have drifted
/// (Palumbo et al. 2015).
pub(super) const FRIEND_STRENGTH: [Quantiles; 2] = [
    Quantiles([
        0.045, 0.272, 0.340, 0.395, 0.443, 0.488, 0.529, 0.567, 0.603, 0.637, 0.667, 0.695, 0.719, 0.741, 0.761, 0.780,
        0.798, 0.817, 0.836, 0.861, 0.931,
    ]),
    Quantiles([
        0.103, 0.158, 0.175, 0.192, 0.208, 0.227, 0.241, 0.260, 0.277, 0.292, 0.313, 0.331, 0.352, 0.373, 0.398, 0.431,
        0.469, 0.524, 0.584, 0.675, 0.882,
    ]),
];
/// See [`KIN_STRENGTH`].
pub(super) const MATURE_VENUE_STRENGTH: [Quantiles; 2] = [
    Quantiles([
        0.040, 0.152, 0.181, 0.204, 0.227, 0.250, 0.276, 0.303, 0.333, 0.366, 0.403, 0.442, 0.488, 0.533, 0.584, 0.635,
        0.687, 0.741, 0.788, 0.837, 0.932,
    ]),
    Quantiles([
        0.041, 0.135, 0.160, 0.181, 0.205, 0.228, 0.255, 0.281, 0.306, 0.337, 0.368, 0.406, 0.441, 0.482, 0.528, 0.575,
        0.625, 0.674, 0.718, 0.771, 0.941,
    ]),
];
/// See [`KIN_STRENGTH`].
pub(super) const YOUNG_VENUE_STRENGTH: Quantiles = Quantiles([
    0.040, 0.066, 0.099, 0.119, 0.126, 0.130, 0.133, 0.136, 0.139, 0.141, 0.144, 0.146, 0.148, 0.150, 0.153, 0.155,
    0.158, 0.161, 0.169, 0.181, 0.282,
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_their_points() {
        let q = &MATURE_VENUE_STRENGTH[0];
        assert_eq!(q.at(0.0), q.0[0]);
        assert_eq!(q.at(1.0), q.0[20]);
        assert!((q.at(0.525) - (q.0[10] + q.0[11]) / 2.0).abs() < 1e-6);
        for table in
            [&KIN_STRENGTH[..], &FRIEND_STRENGTH, &MATURE_VENUE_STRENGTH, std::slice::from_ref(&YOUNG_VENUE_STRENGTH)]
        {
            for q in table {
                assert!(q.0.windows(2).all(|w| w[0] <= w[1]) && q.0[0] >= 0.0 && q.0[20] <= 1.0);
            }
        }
    }
}
