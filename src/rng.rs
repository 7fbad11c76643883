//! Counter-based random streams: the only place in supportsim where random numbers are made.
//!
//! Every random decision draws from a stream keyed by (seed, replicate, purpose, day, entity). Two runs that
//! ask for the same key get the same numbers, whatever the thread count or the order in which work is done,
//! and the two arms of a what-if use the same number for the same decision of the same agent on the same day
//! (common random numbers). Nothing here may hold state shared between streams.

use rand::RngCore;

/// What a stream is used for. The discriminant is part of the key, so the values must never be reordered;
/// add new purposes at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Agent attributes at initialization.
    InitAgent = 1,
    /// Kin and old-friend ties at initialization.
    InitTies = 2,
    /// Whether and where an agent goes out today.
    GoingOut = 3,
    /// Who meets whom at a venue today, capacity rationing and rejections.
    Meeting = 4,
    /// Contact along a tie today (keyed by the unordered pair).
    TieContact = 5,
    /// Mental-state transitions.
    MentalState = 6,
    /// Choices made when an event is applied (for example, who is hired as a peer worker).
    Event = 7,
    /// Staff assignment at initialization.
    InitStaff = 8,
    /// Whether a friendship ends this week for reasons outside the model (keyed by the unordered pair).
    TieTurnover = 9,
    /// Whom peer workers reach out to (keyed by venue).
    Outreach = 10,
    /// The seed of one sweep run (keyed by point, with the replicate in the replicate field).
    SweepSeed = 11,
    /// Sampling a sweep design (random and Latin hypercube points; keyed by parameter).
    SweepDesign = 12,
    /// Bootstrap resampling of sensitivity indices (keyed by output and parameter).
    Bootstrap = 13,
    /// New friendships made outside the venues, replacing those turnover ended (keyed by agent).
    FriendRenewal = 14,
}

/// The SplitMix64 finalizer: a bijective avalanche on 64 bits (Steele, Lea & Flood 2014).
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(MIX64_MUL[0]);
    z = (z ^ (z >> 27)).wrapping_mul(MIX64_MUL[1]);
    z ^ (z >> 31)
}

/// A uniform 64-bit number as a fraction in [0, 1), from its top 53 bits.
#[inline]
pub(crate) fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The multipliers of [`mix64`].
const MIX64_MUL: [u64; 2] = [0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb];

/// The increment of a SplitMix64 stream's state.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The multiplier of the entity in [`entity_key`].
const ENTITY_MUL: u64 = 0xe703_7ed1_a0b4_28db;

/// The key of one stream. Fields are combined by chained mixing so that nearby keys give unrelated streams.
#[inline]
pub fn stream_key(seed: u64, replicate: u32, purpose: Purpose, day: u32, entity: u64) -> u64 {
    entity_key(day_prefix(seed, replicate, purpose, day), entity)
}

/// The part of a stream key shared by all entities on one day for one purpose; hot loops compute it once.
#[inline]
pub fn day_prefix(seed: u64, replicate: u32, purpose: Purpose, day: u32) -> u64 {
    let mut h = mix64(seed ^ GOLDEN_GAMMA);
    h = mix64(h ^ (replicate as u64).wrapping_mul(GOLDEN_GAMMA));
    h = mix64(h ^ (purpose as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
    mix64(h ^ (day as u64).wrapping_mul(0xa076_1d64_78bd_642f))
}

/// Completes a key from a [`day_prefix`] and an entity.
#[inline]
pub fn entity_key(prefix: u64, entity: u64) -> u64 {
    mix64(prefix ^ entity.wrapping_mul(ENTITY_MUL))
}

/// A small counter-based generator (SplitMix64) started at a stream key. Cheap to create, so a fresh one is
/// made for every (purpose, day, entity) instead of being carried around.
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

impl Stream {
    #[inline]
    pub fn new(seed: u64, replicate: u32, purpose: Purpose, day: u32, entity: u64) -> Self {
        Stream { state: stream_key(seed, replicate, purpose, day, entity) }
    }

    /// The same stream as [`Stream::new`], from a precomputed [`day_prefix`].
    #[inline]
    pub fn from_prefix(prefix: u64, entity: u64) -> Self {
        Stream { state: entity_key(prefix, entity) }
    }

    /// A uniform number in [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        unit(self.next_u64())
    }

    /// True with probability `p` (below 0 never, 1 or above always).
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A whole number of events with mean `rate` (≥ 0): its whole part, and one more with the chance of its
    /// fraction (one draw, also when the fraction is 0).
    #[inline]
    pub fn count(&mut self, rate: f64) -> usize {
        let whole = rate.floor();
        whole as usize + self.chance(rate - whole) as usize
    }

    /// A uniform index in 0..n (n > 0), by Lemire's multiply-shift, slightly biased for huge n only.
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

impl RngCore for Stream {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// The draws of the tie pass: one number a day for each unordered pair of agents (both ends of a tie draw the
/// same), for remote contact (`Purpose::TieContact`) and, on Sundays, turnover (`Purpose::TieTurnover`).
///
/// The tie pass makes one such draw for each end of every tie every day, in vector lanes, so it uses a keyed
/// hash of 32-bit words rather than [`Stream`]'s 64-bit one: CPUs without AVX-512 multiply 64-bit lanes in
/// three instructions, and 64-bit draws took a sixth of the whole day's time on such a CPU. The day's 64-bit [`day_prefix`] is split into two 32-bit
/// keys, so days, replicates and purposes stay apart by the whole prefix. The lower index of the pair with the
/// first key, and the higher index with the second, each go through a 32-bit avalanche (`lowbias32` of
/// C. Wellons's hash prospector), and the two results together through it again. (Mixing the higher index only
/// once, with the first result, left pairs that share the lower end and whose higher ends differ in the last
/// bit measurably related: a chi-square z of 22 over 16 million pairs.) The draw is the top 24 bits of that,
/// k, as the number k × 2^-24: in [0, 1 − 2^-24], exact in `f32` whatever the CPU converts it with, so every
/// way of running the kernel gets the same bits without care, and a chance p is decided as k < ⌈p × 2^24⌉
/// ([`PairDraws::bound`]): the outcome of comparing the number with p, to within 2^-24. The unit tests in this
/// module check the draws' uniformity and their independence between neighbouring pairs, pairs that share an
/// end, days and purposes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairDraws {
    key: [u32; 2],
}

impl PairDraws {
    /// The day's draws for one purpose, from its [`day_prefix`].
    pub fn new(prefix: u64) -> Self {
        PairDraws { key: [prefix as u32, (prefix >> 32) as u32] }
    }

    /// The draw of the pair (a, b), the same as (b, a), as an integer k below 2^24 (the number is k × 2^-24).
    #[inline(always)]
    pub fn bits(self, a: u32, b: u32) -> u32 {
        let (lo, hi) = (a.min(b), a.max(b));
        hash32(hash32(lo ^ self.key[0]) ^ hash32(hi ^ self.key[1])) >> 8
    }

    /// The draw of the pair (a, b) as a number in [0, 1): [`PairDraws::bits`] × 2^-24, exact.
    #[inline(always)]
    pub fn uniform(self, a: u32, b: u32) -> f32 {
        self.bits(a, b) as f32 * PAIR_UNIT
    }

    /// The bound below which [`PairDraws::bits`] falls with chance p, to within 2^-24 (⌈p × 2^24⌉; 0 for p ≤ 0
    /// or not a number, 2^24 for p ≥ 1): integers decide it in vectors, and the scalar code decides it the same.
    pub fn bound(p: f64) -> u32 {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        (p * (1u32 << 24) as f64).ceil() as u32
    }
}

/// 2^-24, the step between [`PairDraws::uniform`]'s numbers.
pub(crate) const PAIR_UNIT: f32 = 1.0 / (1u32 << 24) as f32;

/// A bijective avalanche on 32 bits: "lowbias32" of C. Wellons's hash prospector (2018), two multiplications,
/// which vector units make eight or sixteen at a time.
#[inline(always)]
pub(crate) fn hash32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(HASH32_MUL[0]);
    x ^= x >> 15;
    x = x.wrapping_mul(HASH32_MUL[1]);
    x ^ (x >> 16)
}

/// The multipliers of [`hash32`].
pub(crate) const HASH32_MUL: [u32; 2] = [0x7feb_352d, 0x846c_a68b];

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer test: pins the stream function, so that a change to it (which would change every
    /// result) cannot slip in unnoticed.
    #[test]
    fn known_answers() {
        let mut s = Stream::new(42, 0, Purpose::GoingOut, 0, 0);
        let got: Vec<u64> = (0..3).map(|_| s.next_u64()).collect();
        assert_eq!(got, KNOWN);
        assert_eq!(stream_key(1, 2, Purpose::Meeting, 3, 4), KNOWN_KEY);
    }

    const KNOWN: [u64; 3] = [14391763284093742283, 11992712539266810378, 3660986636870105427];
    const KNOWN_KEY: u64 = 16657768037141794921;

    #[test]
    fn prefix_form_equals_full_key() {
        let prefix = day_prefix(9, 1, Purpose::TieContact, 30);
        let a = Stream::from_prefix(prefix, 77).next_u64();
        let b = Stream::new(9, 1, Purpose::TieContact, 30, 77).next_u64();
        assert_eq!(a, b);
    }

    #[test]
    fn keys_differ_by_every_field() {
        let base = stream_key(1, 2, Purpose::Meeting, 3, 4);
        assert_ne!(base, stream_key(2, 2, Purpose::Meeting, 3, 4));
        assert_ne!(base, stream_key(1, 3, Purpose::Meeting, 3, 4));
        assert_ne!(base, stream_key(1, 2, Purpose::GoingOut, 3, 4));
        assert_ne!(base, stream_key(1, 2, Purpose::Meeting, 4, 4));
        assert_ne!(base, stream_key(1, 2, Purpose::Meeting, 3, 5));
    }

    #[test]
    fn uniform_is_in_unit_interval_and_roughly_flat() {
        let mut s = Stream::new(7, 0, Purpose::InitAgent, 0, 0);
        let n = 100_000;
        let mut bins = [0usize; 10];
        for _ in 0..n {
            let u = s.uniform();
            assert!((0.0..1.0).contains(&u));
            bins[(u * 10.0) as usize] += 1;
        }
        for b in bins {
            assert!((9_000..11_000).contains(&b), "bin count {b}");
        }
    }

    /// Known answers for the pair draws: a change to them changes every run's ties, so it must be on purpose.
    /// (`lowbias32` maps 0 to 0; the keys keep a pair of zeros from drawing it.)
    #[test]
    fn pair_draws_known_answers() {
        let draws = PairDraws::new(day_prefix(42, 0, Purpose::TieContact, 7));
        let got = [draws.bits(0, 1), draws.bits(1, 0), draws.bits(17, 123_456), draws.bits(999_999, 3)];
        assert_eq!(got, PAIR_KNOWN);
        assert_eq!(hash32(0), 0);
        assert_eq!(hash32(1), HASH32_ONE);
    }

    // From an implementation of the definitions above written apart from this one (Python, 2026-11-28).
    const PAIR_KNOWN: [u32; 4] = [14_013_706, 14_013_706, 8_738_873, 1_793_454];
    const HASH32_ONE: u32 = 1_753_845_952;

    /// The draws of a town's worth of pairs with nearby indices (the hard case for a hash): each lower index
    /// with the next `width` higher ones, on one day.
    fn town_pairs(draws: PairDraws, n: u32, width: u32) -> impl Iterator<Item = (u32, u32, u32)> {
        (0..n).flat_map(move |a| (a + 1..=a + width).map(move |b| (a, b, draws.bits(a, b))))
    }

    #[test]
    fn pair_draws_are_symmetric_in_range_and_exact() {
        let draws = PairDraws::new(day_prefix(1, 2, Purpose::TieContact, 3));
        for (a, b, k) in town_pairs(draws, 300, 300) {
            assert_eq!(k, draws.bits(b, a));
            assert!(k < 1 << 24);
            let u = draws.uniform(a, b);
            assert!((0.0..1.0).contains(&u));
            assert_eq!(u as f64, k as f64 / (1u64 << 24) as f64, "the number is k × 2^-24, exactly");
        }
    }

    /// Pearson's chi-square statistic of `counts` against equal expected counts, and its degrees of freedom.
    fn chi_square(counts: &[u64]) -> (f64, f64) {
        let n: u64 = counts.iter().sum();
        let expected = n as f64 / counts.len() as f64;
        let stat = counts.iter().map(|&c| (c as f64 - expected).powi(2) / expected).sum();
        (stat, (counts.len() - 1) as f64)
    }

    /// Within six standard deviations of its mean (df, sd √(2 df)): the draws are neither lumpy nor too even.
    fn assert_chi_square_fits(counts: &[u64], what: &str) {
        let (stat, df) = chi_square(counts);
        assert!((stat - df).abs() < 6.0 * (2.0 * df).sqrt(), "{what}: chi-square {stat:.1} on {df} degrees of freedom");
    }

    #[test]
    fn pair_draws_are_uniform_and_every_bit_is_fair() {
        let draws = PairDraws::new(day_prefix(3, 0, Purpose::TieContact, 11));
        let mut bins = vec![0u64; 4096];
        let mut ones = [0u64; 24];
        let mut n = 0u64;
        for (_, _, k) in town_pairs(draws, 1 << 11, 1 << 9) {
            bins[(k >> 12) as usize] += 1;
            for (bit, count) in ones.iter_mut().enumerate() {
                *count += (k >> bit) as u64 & 1;
            }
            n += 1;
        }
        assert_chi_square_fits(&bins, "4,096 bins");
        let sd = (n as f64).sqrt() / 2.0;
        for (bit, &count) in ones.iter().enumerate() {
            assert!((count as f64 - n as f64 / 2.0).abs() < 6.0 * sd, "bit {bit}: {count} ones in {n}");
        }
    }

    /// Pairs that share an end, neighbouring pairs, the same pair on consecutive days and the same pair for the
    /// other purpose: the two draws fall in the 256 × 256 cells of the unit square evenly, over 2^23 pairs. (A
    /// form that mixed the higher index only once failed it for pairs that share the lower end, at a z of 11.)
    #[test]
    fn pair_draws_of_related_pairs_and_days_are_independent() {
        let day = |d: u32, purpose: Purpose| PairDraws::new(day_prefix(5, 1, purpose, d));
        let (today, tomorrow, turnover) =
            (day(20, Purpose::TieContact), day(21, Purpose::TieContact), day(20, Purpose::TieTurnover));
        type Related<'a> = (&'static str, &'a dyn Fn(u32, u32) -> (u32, u32));
        let related: [Related; 5] = [
            ("next higher end", &|a, b| (today.bits(a, b), today.bits(a, b + 1))),
            ("next lower end", &|a, b| (today.bits(a, b), today.bits(a + 1, b))),
            ("both ends next", &|a, b| (today.bits(a, b), today.bits(a + 1, b + 1))),
            ("next day", &|a, b| (today.bits(a, b), tomorrow.bits(a, b))),
            ("turnover", &|a, b| (today.bits(a, b), turnover.bits(a, b))),
        ];
        for (what, pair_of) in related {
            let mut cells = vec![0u64; 256 * 256];
            for a in 0..1u32 << 19 {
                for b in a + 1..=a + 16 {
                    let (x, y) = pair_of(a, b);
                    cells[((x >> 16) * 256 + (y >> 16)) as usize] += 1;
                }
            }
            assert_chi_square_fits(&cells, what);
        }
    }

    #[test]
    fn pair_draw_bounds_decide_chances() {
        assert_eq!(PairDraws::bound(0.0), 0);
        assert_eq!(PairDraws::bound(-0.5), 0);
        assert_eq!(PairDraws::bound(f64::NAN), 0);
        assert_eq!(PairDraws::bound(1.0), 1 << 24);
        assert_eq!(PairDraws::bound(7.0), 1 << 24);
        assert_eq!(PairDraws::bound(1e-300), 1, "a chance above zero can happen");
        assert_eq!(PairDraws::bound(0.5), 1 << 23);
        let draws = PairDraws::new(day_prefix(8, 0, Purpose::TieTurnover, 6));
        for p in [0.002, 0.1, 0.5, 0.9] {
            let bound = PairDraws::bound(p);
            let (mut hits, mut n) = (0u64, 0u64);
            for (a, b, k) in town_pairs(draws, 1 << 10, 1 << 8) {
                hits += (k < bound) as u64;
                n += 1;
                // The bound decides as comparing the number with p does.
                assert_eq!(k < bound, (draws.uniform(a, b) as f64) < p);
            }
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!((hits as f64 - n as f64 * p).abs() < 6.0 * sd, "p = {p}: {hits} of {n}");
        }
    }
}
