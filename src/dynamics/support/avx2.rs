//! The tie kernel ([`super::kernel`]) written in AVX2 instructions, for the block compiled with AVX2 alone: the same
//! IEEE operations in the same order, so the same bits, which the property test checks against the tie-at-a-time
//! reference. LLVM's own vectorisation of the kernel for AVX2 held each quantity of a row's sixteen lanes in two
//! registers at once and each condition as packed 16-bit lanes, so that about a sixth of its instructions were spills
//! and reloads, and a twentieth conversions between the widths of masks. Here the draws of the whole row come first
//! (`rng::PairDraws`, eight 32-bit lanes to a vector); then the rest of the work goes a half row (eight lanes) at a
//! time, each condition a full-width mask. On the Zen 3 machine of docs/performance.md this took the tie pass from
//! about 103 to about 95 ns per agent-day at 10^4 agents, and the changes after it (the newness looked up here,
//! `popcnt`) to about 92 (docs/performance-rounds.md, twentieth round); the draws of 32-bit words, in place of
//! SplitMix64's 64-bit multiplications, to about 65 (twenty-first round).

use super::{Consts, Lanes, Me, LANES};
use crate::rng::{HASH32_MUL, PAIR_UNIT};
use crate::types::NO_VENUE;
use crate::world::network::TieRow;
use crate::world::view::{PeerView, SOCIAL_MEDIA_STEPS};
use std::arch::x86_64::*;

/// An array of 2 or 3 values of `e`, for `i` from 0, written out: `array::map` with a closure that calls
/// intrinsics leaves them as calls.
#[rustfmt::skip]
macro_rules! each {
    ($i:ident in 2 => $e:expr) => { [{ let $i = 0; $e }, { let $i = 1; $e }] };
    ($i:ident in 3 => $e:expr) => { [{ let $i = 0; $e }, { let $i = 1; $e }, { let $i = 2; $e }] };
}

/// [`rng::hash32`](crate::rng::hash32) on eight lanes.
#[inline(always)]
unsafe fn hash32(x: __m256i) -> __m256i {
    let x = _mm256_xor_si256(x, _mm256_srli_epi32::<16>(x));
    let x = _mm256_mullo_epi32(x, _mm256_set1_epi32(HASH32_MUL[0] as i32));
    let x = _mm256_xor_si256(x, _mm256_srli_epi32::<15>(x));
    let x = _mm256_mullo_epi32(x, _mm256_set1_epi32(HASH32_MUL[1] as i32));
    _mm256_xor_si256(x, _mm256_srli_epi32::<16>(x))
}

/// `rng::PairDraws::bits` for eight pairs, from the draws' keys (`PairDraws::key`) and the lower and higher
/// index of each pair.
#[inline(always)]
unsafe fn pair_bits(key: [u32; 2], lower: __m256i, higher: __m256i) -> __m256i {
    let lower = hash32(_mm256_xor_si256(lower, _mm256_set1_epi32(key[0] as i32)));
    let higher = hash32(_mm256_xor_si256(higher, _mm256_set1_epi32(key[1] as i32)));
    _mm256_srli_epi32::<8>(hash32(_mm256_xor_si256(lower, higher)))
}

/// `select(condition, a, b)` by lane: `a` where the mask is set.
#[inline(always)]
unsafe fn select(condition: __m256, a: __m256, b: __m256) -> __m256 {
    _mm256_blendv_ps(b, a, condition)
}

/// `super::by_mental` by lane, from the mental states (0 well, 1 struggling, 2 crisis): one in-lane permutation
/// of the three values (`vpermilps` reads the index's two low bits), where two blends on the masks of the states
/// took two compares besides.
#[inline(always)]
unsafe fn by_mental(mental: __m256i, t: [f32; 3]) -> __m256 {
    _mm256_permutevar_ps(_mm256_setr_ps(t[0], t[1], t[2], t[2], t[0], t[1], t[2], t[2]), mental)
}

/// The mask of lanes where `x` (integers) is not zero.
#[inline(always)]
unsafe fn nonzero(x: __m256i) -> __m256 {
    _mm256_castsi256_ps(_mm256_xor_si256(_mm256_cmpeq_epi32(x, _mm256_setzero_si256()), _mm256_set1_epi32(-1)))
}

/// The ties' decay multipliers by age (`newness_table`, `newness`), for eight slots of a row, from their
/// `formed_and_kind`: the table's entry at the age in days (0 for a tie formed later, the last entry beyond
/// it), as the plain kernel's loop before it looks them up. Gathered one by one into the vector, rather than
/// stored to `Lanes::newness` and loaded back (a load from eight stores waits for them to reach the cache).
#[inline(always)]
unsafe fn newness_by_age(newness: &[f32], day: i32, formed_and_kind: __m256i) -> __m256 {
    debug_assert!(!newness.is_empty() && newness.len() <= i32::MAX as usize);
    let oldest = _mm256_set1_epi32(newness.len() as i32 - 1);
    let age = _mm256_max_epi32(
        _mm256_sub_epi32(_mm256_set1_epi32(day), _mm256_srai_epi32::<2>(formed_and_kind)),
        _mm256_setzero_si256(),
    );
    let mut index = [0u32; 8];
    _mm256_storeu_si256(index.as_mut_ptr().cast(), _mm256_min_epi32(age, oldest));
    // Each index is within the table: clamped to its last entry above.
    let at = |j: usize| *newness.get_unchecked(index[j] as usize);
    _mm256_setr_ps(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7))
}

/// [`super::kernel`] in AVX2 instructions: the same results and operations (see there), from the same arguments
/// and the newness table, which it reads itself (`Lanes::newness` is left alone).
///
/// # Safety
/// The CPU must have AVX2 (the caller is the block compiled with AVX2), and `newness` must have from 1 to
/// `i32::MAX` entries (the caller asserts it once per agent).
#[inline(always)]
pub(super) unsafe fn kernel<const TURNOVER: bool, const LAST_CONTACT: bool>(
    c: &Consts,
    me: &Me,
    valid: u32,
    t: &mut TieRow,
    last: Option<&mut [i32; LANES]>,
    l: &mut Lanes,
    newness: &[f32],
) -> (u32, u32, u32, [f32; 3]) {
    let set = _mm256_set1_ps;
    let one = set(1.0);
    let (and, or, andnot) = (_mm256_and_ps, _mm256_or_ps, _mm256_andnot_ps);
    let (mul, add, sub, min) = (_mm256_mul_ps, _mm256_add_ps, _mm256_sub_ps, _mm256_min_ps);
    let lt = |a: __m256, b: __m256| _mm256_cmp_ps::<_CMP_LT_OQ>(a, b);
    let int_mask = |m: bool| _mm256_castsi256_ps(_mm256_set1_epi32(-(m as i32)));
    // What of the agent every lane reads.
    let me_a = _mm256_set1_epi32(me.a as i32);
    // A venue no view holds (17 bits) where the agent is at none, so that no lane meets it in person.
    let me_venue = _mm256_set1_epi32(if me.venue == NO_VENUE as u32 { 1 << 16 } else { me.venue as i32 });
    let me_social_media = set(me.social_media);
    let me_lived = int_mask(me.lived);
    let me_unwell = int_mask(me.mental != 0);
    let me_can_give = int_mask(me.can_give);
    let ghost_other_unlived = set(super::by_mental(me.mental, c.ghosting[0]));
    let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let step = set(1.0 / SOCIAL_MEDIA_STEPS as f32);

    // The pairs' draws first, for the whole row.
    let other = each!(h in 2 => _mm256_loadu_si256(t.other.as_ptr().add(8 * h).cast()));
    let lower = each!(h in 2 => _mm256_min_epu32(me_a, other[h]));
    let higher = each!(h in 2 => _mm256_max_epu32(me_a, other[h]));
    let key = me.draws.key();
    // Below 2^24, so exact as `f32` (`PairDraws::uniform`).
    let u = each!(h in 2 => mul(_mm256_cvtepi32_ps(pair_bits(key, lower[h], higher[h])), set(PAIR_UNIT)));
    let turnover_bits = if TURNOVER {
        let (key, bound) = (c.turnover.key(), _mm256_set1_epi32(c.turnover_bound as i32));
        // The bound is at most 2^24 and the draws below it, so the signed comparison is the unsigned one.
        let ends = each!(h in 2 => {
            let ends = _mm256_cmpgt_epi32(bound, pair_bits(key, lower[h], higher[h]));
            _mm256_movemask_ps(_mm256_castsi256_ps(ends)) as u32
        });
        ends[0] | ends[1] << 8
    } else {
        0
    };

    let (mut ghosted_bits, mut gave_bits, mut ending_bits) = (0u32, 0u32, 0u32);
    let mut sums = [_mm256_setzero_ps(); 3];
    for h in 0..2 {
        let at = h * 8;
        let s = _mm256_loadu_ps(t.strength.as_ptr().add(at));
        let formed_and_kind = _mm256_loadu_si256(t.formed_and_kind.as_ptr().add(at).cast());
        let view = _mm256_loadu_si256(l.view.as_ptr().add(at).cast());
        let newness = newness_by_age(newness, me.day, formed_and_kind);
        let is_tie = _mm256_castsi256_ps(_mm256_cmpgt_epi32(
            _mm256_set1_epi32(valid as i32),
            _mm256_add_epi32(lane, _mm256_set1_epi32(at as i32)),
        ));
        let kin = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
            _mm256_and_si256(formed_and_kind, _mm256_set1_epi32(3)),
            _mm256_setzero_si256(),
        ));
        let mental =
            _mm256_and_si256(_mm256_srli_epi32::<{ PeerView::MENTAL_SHIFT as i32 }>(view), _mm256_set1_epi32(3));
        let unwell = nonzero(mental);
        let lived = nonzero(_mm256_and_si256(view, _mm256_set1_epi32(PeerView::LIVED_BIT as i32)));
        let social_media =
            mul(_mm256_cvtepi32_ps(_mm256_srli_epi32::<{ PeerView::SOCIAL_MEDIA_SHIFT as i32 }>(view)), step);
        let sm = mul(set(0.5), add(me_social_media, social_media));
        let in_person = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
            _mm256_and_si256(view, _mm256_set1_epi32(PeerView::VENUE_BITS as i32)),
            me_venue,
        ));

        let u = u[h];
        let rate = select(kin, set(c.contact_rate[0]), set(c.contact_rate[1]));
        let x = mul(mul(mul(rate, s), set(c.outreach_scale)), add(one, mul(set(c.sm_boost), sm)));
        let x_me = mul(x, set(me.withdraw));
        let x_other = mul(x, by_mental(mental, c.withdraw));
        let ghost_me = select(me_lived, one, by_mental(mental, c.ghosting[0]));
        let ghost_other = select(lived, one, ghost_other_unlived);
        let p_me = min(mul(x_me, ghost_me), one);
        let p_other = min(mul(x_other, ghost_other), one);
        let p_other_not_ghosting = min(x_other, one);
        let not_me = sub(one, p_me);
        let remote = andnot(in_person, lt(u, sub(one, mul(not_me, sub(one, p_other)))));
        let ghosted = andnot(or(in_person, remote), lt(u, sub(one, mul(not_me, sub(one, p_other_not_ghosting)))));
        let contact = and(is_tie, or(in_person, remote));

        let mode = select(in_person, one, set(c.remote_support));
        let k = mul(mul(s, mode), by_mental(mental, c.capacity));
        let k = and(contact, k);
        let emotional = select(kin, set(c.emotional[0]), set(c.emotional[1]));
        let instrumental = select(kin, set(c.instrumental[0]), set(c.instrumental[1]));
        let informational = select(
            kin,
            select(lived, set(c.informational[0][1]), set(c.informational[0][0])),
            select(lived, set(c.informational[1][1]), set(c.informational[1][0])),
        );
        let layers = [mul(k, emotional), mul(k, instrumental), mul(k, informational)];
        for (sum, layer) in sums.iter_mut().zip(layers) {
            // The first level of `row_sum`'s tree: lane j plus lane j + 8.
            *sum = if h == 0 { layer } else { add(*sum, layer) };
        }
        let gave = and(and(contact, unwell), me_can_give);
        gave_bits |= (_mm256_movemask_ps(gave) as u32) << at;
        ghosted_bits |= (_mm256_movemask_ps(and(is_tie, ghosted)) as u32) << at;
        if let (true, Some(last)) = (LAST_CONTACT, last.as_deref()) {
            // Through `Lanes::last_contact_day`, as in the plain kernel: stored in place, the select became a
            // masked store.
            let old = _mm256_loadu_ps(last.as_ptr().add(at).cast());
            let today = _mm256_castsi256_ps(_mm256_set1_epi32(me.day));
            _mm256_storeu_ps(l.last_contact_day.as_mut_ptr().add(at).cast(), select(contact, today, old));
        }

        let gain = select(in_person, set(c.gain[0]), set(c.gain[1]));
        let strengthened = min(add(s, mul(gain, sub(one, s))), one);
        let ghost = or(andnot(lived, me_unwell), andnot(me_lived, unwell));
        let ghost = select(ghost, set(c.ghost_decay[1]), set(c.ghost_decay[0]));
        let social = sub(one, mul(set(c.social_decay_reduction), sm));
        let decay_kind = select(kin, set(c.decay_kind[0]), set(c.decay_kind[1]));
        let rate = mul(mul(mul(mul(set(c.daily_decay), decay_kind), newness), ghost), social);
        let rate = and(is_tie, min(rate, one));
        let decayed = mul(s, sub(one, rate));
        let s = select(contact, strengthened, decayed);
        _mm256_storeu_ps(t.strength.as_mut_ptr().add(at), s);
        let below = _mm256_movemask_ps(lt(s, set(me.tie_floor))) as u32;
        let turnover = if TURNOVER { (turnover_bits >> at) & !(_mm256_movemask_ps(kin) as u32) } else { 0 };
        ending_bits |= ((below | turnover) & _mm256_movemask_ps(is_tie) as u32) << at;
    }
    if let (true, Some(last)) = (LAST_CONTACT, last) {
        *last = l.last_contact_day;
    }
    (
        ghosted_bits.count_ones(),
        gave_bits.count_ones(),
        ending_bits.count_ones(),
        each!(k in 3 => super::row_sum_avx_from_halves(sums[k])),
    )
}

/// The draws of a row as the kernel makes them: `rng::PairDraws::bits(a, other)` for each slot, and their
/// numbers, for the unit test that holds them to `rng`.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(test)]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn row_draws(
    draws: crate::rng::PairDraws,
    a: u32,
    other: &[u32; LANES],
) -> ([u32; LANES], [f32; LANES]) {
    let me_a = _mm256_set1_epi32(a as i32);
    let (mut bits, mut u) = ([0u32; LANES], [0f32; LANES]);
    for h in 0..2 {
        let other = _mm256_loadu_si256(other.as_ptr().add(8 * h).cast());
        let (lower, higher) = (_mm256_min_epu32(me_a, other), _mm256_max_epu32(me_a, other));
        let k = pair_bits(draws.key(), lower, higher);
        _mm256_storeu_si256(bits.as_mut_ptr().add(8 * h).cast(), k);
        _mm256_storeu_ps(u.as_mut_ptr().add(8 * h), _mm256_mul_ps(_mm256_cvtepi32_ps(k), _mm256_set1_ps(PAIR_UNIT)));
    }
    (bits, u)
}
