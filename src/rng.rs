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
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(MIX64_MUL[0]);
    z = (z ^ (z >> 27)).wrapping_mul(MIX64_MUL[1]);
    z ^ (z >> 31)
}

/// The multipliers of [`mix64`], and below the other constants of a stream's first draw, for the tie kernel's
/// AVX2 form, which computes [`uniform_once_bits`] in vector instructions.
pub(crate) const MIX64_MUL: [u64; 2] = [0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb];

/// The increment of a SplitMix64 stream's state.
pub(crate) const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The multiplier of the entity in [`entity_key`].
pub(crate) const ENTITY_MUL: u64 = 0xe703_7ed1_a0b4_28db;

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
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p` (below 0 never, 1 or above always).
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
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

/// A single uniform number for a decision keyed by (purpose, day, entity); the common case of one draw.
#[inline]
pub fn uniform_once(prefix: u64, entity: u64) -> f64 {
    Stream::from_prefix(prefix, entity).uniform()
}

/// `uniform_once(prefix, entity) as f32`, bit for bit, computed without a `u64 → f64` conversion (which x86
/// vector instructions lack, so that loops calling it vectorise); see [`unit_f32_by_halves`].
#[inline(always)]
pub fn uniform_once_f32(prefix: u64, entity: u64) -> f32 {
    unit_f32_by_halves(uniform_once_bits(prefix, entity))
}

/// `bits` × 2^-53 rounded to `f32` (to nearest, ties to even), for `bits` < 2^53: the draw of
/// [`uniform_once_bits`] as [`uniform_once_f32`] gives it. The integer is split into halves that convert to
/// `f64` exactly, their sum is exact, and the one rounding is the final `as f32`. Every x86-64 CPU runs this in
/// vectors (AVX2 has no conversion of 64-bit integers).
#[inline(always)]
pub fn unit_f32_by_halves(bits: u64) -> f32 {
    let exact = |x: u64| f64::from_bits(0x4330_0000_0000_0000 | x) - 4_503_599_627_370_496.0;
    let x = exact(bits >> 32) * 4_294_967_296.0 + exact(bits & 0xffff_ffff);
    (x * (1.0 / (1u64 << 53) as f64)) as f32
}

/// The same number as [`unit_f32_by_halves`], bit for bit, by converting the integer to `f32` directly (`as`
/// rounds to nearest, ties to even) and scaling by 2^-53. Scaling by a power of two is exact here (no result
/// is subnormal), so the one rounding is the conversion's, at the same place. Where the CPU converts 64-bit
/// integers in vectors (AVX-512DQ's `vcvtuqq2ps`) this is a few instructions in place of about twenty; on
/// AVX2 it would be scalar code, so the tie kernel uses it only in its AVX-512 form.
#[inline(always)]
pub fn unit_f32_by_cast(bits: u64) -> f32 {
    bits as f32 * (1.0 / (1u64 << 53) as f32)
}

/// The 53 random bits of `uniform_once(prefix, entity)`, as an integer (the draw is this × 2^-53).
#[inline(always)]
pub fn uniform_once_bits(prefix: u64, entity: u64) -> u64 {
    Stream::from_prefix(prefix, entity).next_u64() >> 11
}

/// The bound below which `uniform_once_bits` falls exactly when `uniform_once` falls below `p`, so that a
/// chance can be decided on integers (which vectorise) with the outcome of the `f64` comparison: the draw is
/// k × 2^-53 for an integer k, p × 2^53 is exact, and k < p × 2^53 holds exactly when k < ⌈p × 2^53⌉.
pub fn chance_bound(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * (1u64 << 53) as f64).ceil() as u64
}

/// The entity key of an unordered agent pair, so both ends of a tie draw the same number.
#[inline]
pub fn pair_entity(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    ((lo as u64) << 32) | hi as u64
}

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
    fn uniform_once_f32_equals_the_f64_draw_rounded() {
        let prefix = day_prefix(3, 0, Purpose::TieContact, 11);
        for entity in 0..200_000u64 {
            let e = entity.wrapping_mul(0x9e37_79b9);
            assert_eq!(uniform_once_f32(prefix, e).to_bits(), (uniform_once(prefix, e) as f32).to_bits());
        }
    }

    /// The two ways of rounding a draw to `f32` agree on every kind of 53-bit integer: the powers of two and
    /// their neighbours, the midpoints between neighbouring `f32` values (where ties go to the even one) and
    /// theirs, and random ones.
    #[test]
    fn unit_f32_by_cast_equals_by_halves() {
        let mut cases = vec![0u64, 1, (1 << 53) - 1];
        for e in 0..53 {
            let p = 1u64 << e;
            cases.extend([p - 1, p, p + 1]);
            // Between 2^e and 2^(e+1) neighbouring f32 values are 2^(e-23) apart; their midpoints are odd
            // multiples of 2^(e-24). Both parities of the lower neighbour, near either end of the binade.
            if e >= 24 {
                let half = 1u64 << (e - 24);
                for k in [0u64, 1, 2, 3, (1 << 23) - 2, (1 << 23) - 1] {
                    let mid = p + half * (2 * k + 1);
                    cases.extend([mid - 1, mid, mid + 1]);
                }
            }
        }
        let mut s = Stream::new(11, 0, Purpose::TieContact, 0, 0);
        cases.extend((0..200_000).map(|_| s.next_u64() >> 11));
        for bits in cases {
            assert!(bits < 1 << 53);
            assert_eq!(unit_f32_by_cast(bits).to_bits(), unit_f32_by_halves(bits).to_bits(), "bits = {bits}");
        }
    }

    #[test]
    fn chance_bound_decides_as_the_f64_draw() {
        let prefix = day_prefix(5, 1, Purpose::TieTurnover, 13);
        let ps = [0.0, 1e-300, 0.004, 0.25, 0.5, 1.0 - 1e-16, 1.0, 1.5, -0.1, f64::NAN];
        for entity in 0..20_000u64 {
            let e = entity.wrapping_mul(0x9e37_79b9);
            let (u, bits) = (uniform_once(prefix, e), uniform_once_bits(prefix, e));
            // Each draw also against bounds that sit on it and next to it.
            for p in ps.into_iter().chain([u, f64::from_bits(u.to_bits() + 1), f64::from_bits(u.to_bits().max(1) - 1)])
            {
                assert_eq!(bits < chance_bound(p), u < p, "p = {p}, u = {u}");
            }
        }
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

    #[test]
    fn pair_entity_is_symmetric() {
        assert_eq!(pair_entity(3, 9), pair_entity(9, 3));
        assert_ne!(pair_entity(3, 9), pair_entity(3, 10));
    }
}
