//! The tie pass's kernel: the day's constants it reads ([`Consts`]), the agent whose row it updates ([`Me`]),
//! and the branch-free update of a row of ties with the sums of the support it brings (see the module above
//! for what it computes and how it runs on each CPU).

use super::DayContext;
use crate::params::Params;
use crate::rng::{day_prefix, PairDraws, Purpose};
use crate::types::{AgentIdx, MentalState, NO_VENUE};
use crate::world::network::{TieRow, TIE_LANES};
use crate::world::view::{social_media_of_step, PeerView};

/// Per-day constants of the pass: every parameter the per-tie work reads, converted to `f32` once (tables are
/// indexed by tie kind, `TieKind as usize`, or by mental state, `MentalState as usize`).
#[derive(Clone, Copy)]
pub(super) struct Consts {
    pub(super) outreach_scale: f32,
    pub(super) sm_boost: f32,
    /// Daily chance of remote contact along a full-strength tie, by kind.
    pub(super) contact_rate: [f32; 3],
    /// Multiplier on an agent's own outreach by its mental state (withdrawal).
    pub(super) withdraw: [f32; 3],
    /// Multiplier on outreach by whether the reaching agent has lived experience, then by the mental state
    /// of the agent reached (ghosting; those with lived experience do not ghost).
    pub(super) ghosting: [[f32; 3]; 2],
    /// Share of support a giver can give by its mental state.
    pub(super) capacity: [f32; 3],
    pub(super) remote_support: f32,
    /// Support per unit of contact by kind: emotional, instrumental, and informational without and with
    /// the giver's lived experience.
    pub(super) emotional: [f32; 3],
    pub(super) instrumental: [f32; 3],
    pub(super) informational: [[f32; 2]; 3],
    /// Strength gained by contact in person and remotely.
    pub(super) gain: [f32; 2],
    pub(super) daily_decay: f32,
    /// Decay multiplier by kind (kin decay slowly).
    pub(super) decay_kind: [f32; 3],
    /// Decay multiplier by whether the tie is ghosted (an end is unwell and the other lacks lived experience).
    pub(super) ghost_decay: [f32; 2],
    pub(super) social_decay_reduction: f32,
    /// The chance that a non-kin tie ends this week (turnover is drawn once a week, on Sundays), as a bound on
    /// the pair's draw (`rng::PairDraws::bound`), or zero.
    pub(super) turnover_bound: u32,
    /// The day's draws for turnover.
    pub(super) turnover: PairDraws,
}

impl Consts {
    pub(super) fn new(ctx: &DayContext, p: &Params) -> Self {
        let by_kind = |kin: f64, other: f64| [kin as f32, other as f32, other as f32];
        let le = p.layer_lived_experience_informational;
        let turnover_weekly =
            if ctx.weekday == TURNOVER_WEEKDAY { 1.0 - (1.0 - p.tie_turnover_yearly).powf(7.0 / 365.0) } else { 0.0 };
        let info = |f: f64| [f as f32, (f + le) as f32];
        Consts {
            outreach_scale: (1.0 - p.individualism_outreach_effect * p.individualism) as f32,
            sm_boost: p.social_media_contact_boost as f32,
            contact_rate: by_kind(p.contact_rate_kin, p.contact_rate_friend),
            withdraw: [1.0, p.withdraw_outreach as f32, p.withdraw_outreach as f32],
            ghosting: [[1.0, p.ghosting_struggling as f32, p.ghosting_crisis as f32], [1.0; 3]],
            capacity: [1.0, p.give_capacity_struggling as f32, p.give_capacity_crisis as f32],
            remote_support: p.remote_support_factor as f32,
            emotional: by_kind(p.layer_kin_emotional, p.layer_friend_emotional),
            instrumental: by_kind(p.layer_kin_instrumental, p.layer_friend_instrumental),
            informational: [
                info(p.layer_kin_informational),
                info(p.layer_friend_informational),
                info(p.layer_friend_informational),
            ],
            gain: [p.tie_gain_contact as f32 * 1.0, p.tie_gain_contact as f32 * 0.25],
            daily_decay: (1.0 - (1.0 - p.tie_decay_yearly).powf(1.0 / 365.0)) as f32,
            decay_kind: [p.kin_decay_factor as f32, 1.0, 1.0],
            ghost_decay: [1.0, p.ghost_decay_multiplier as f32],
            social_decay_reduction: p.social_media_decay_reduction as f32,
            turnover_bound: PairDraws::bound(turnover_weekly),
            turnover: PairDraws::new(day_prefix(ctx.seed, ctx.replicate, Purpose::TieTurnover, ctx.day)),
        }
    }
}

/// Decay multiplier of a tie by age in days: 1 + (m − 1)·exp(−age / maturity), tabulated up to 20
/// maturities, then a last entry of 1 that older ties read.
pub(super) fn newness_table(p: &Params) -> Vec<f32> {
    (0..(20.0 * p.tie_maturity_days) as usize)
        .map(|age| (1.0 + (p.new_tie_decay_multiplier - 1.0) * (-(age as f64) / p.tie_maturity_days).exp()) as f32)
        .chain([1.0])
        .collect()
}

/// The weekday (Sunday) on which ties end by turnover and ended friendships are renewed.
pub const TURNOVER_WEEKDAY: usize = 6;

/// Ties the kernel works on at once, a [`TieRow`] (the default `max_ties` is 15; an agent with more than 16
/// ties has two rows or more).
pub(super) const LANES: usize = TIE_LANES;

/// The rest of the kernel's inputs and outputs, by lane. Lanes past the agent's ties hold what an earlier
/// agent left there; they are computed and ignored.
#[derive(Default)]
pub(super) struct Lanes {
    /// The other ends' views, as words ([`PeerView::bits`]) that the kernel takes apart.
    pub(super) view: [u32; LANES],
    /// The tie's decay multiplier by age (`newness_table`).
    pub(super) newness: [f32; LANES],
    /// Out: the row's last contacts, copied back whole: written in place, the select between today and the
    /// old value compiles to a masked store (`vpmaskmovd`), which on AMD CPUs is microcoded and slow.
    pub(super) last_contact_day: [i32; LANES],
}

/// [`row_sum`] in AVX instructions, for the blocks compiled with AVX2 or AVX-512: the same additions in the
/// same order, a vector of them at each level of the tree. Written as the plain tree, the sums were taken apart
/// by LLVM into single additions of lanes extracted one by one, three chains of dependent additions read back
/// from memory; this form keeps the row's lanes in registers (a seventh of the tie pass at 10^4 agents with
/// AVX-512, docs/performance.md).
///
/// # Safety
/// The CPU must have AVX (the callers are compiled with AVX2).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn row_sum_avx(x: &[f32; LANES]) -> f32 {
    use std::arch::x86_64::*;
    let h = _mm256_add_ps(_mm256_loadu_ps(x.as_ptr()), _mm256_loadu_ps(x.as_ptr().add(8)));
    let q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps::<1>(h));
    let e = _mm_add_ps(q, _mm_movehl_ps(q, q));
    _mm_cvtss_f32(_mm_add_ss(e, _mm_movehdup_ps(e)))
}

/// The sum of a row's sixteen lanes in a fixed tree: lane j plus lane j + 8, then those sums j and j + 4, then
/// j and j + 2, then the last two. Every way the kernel runs makes these additions in this order, so the sum's
/// bits do not depend on the CPU.
#[inline(always)]
pub(super) fn row_sum(x: [f32; LANES]) -> f32 {
    const _: () = assert!(LANES == 16);
    let h: [f32; 8] = std::array::from_fn(|i| x[i] + x[i + 8]);
    let q: [f32; 4] = std::array::from_fn(|i| h[i] + h[i + 4]);
    let e = [q[0] + q[2], q[1] + q[3]];
    e[0] + e[1]
}

/// The agent whose ties the kernel updates, and what of it every tie reads.
#[derive(Clone, Copy)]
pub(super) struct Me {
    pub(super) a: AgentIdx,
    /// The day's draws for contact.
    pub(super) draws: PairDraws,
    pub(super) day: i32,
    pub(super) mental: u32,
    pub(super) lived: bool,
    pub(super) venue: u32,
    pub(super) social_media: f32,
    /// Multiplier on the agent's own outreach by its mental state (withdrawal).
    pub(super) withdraw: f32,
    /// The agent gives support to an unwell other end (it is not in crisis).
    pub(super) can_give: bool,
    /// Ties below this strength end.
    pub(super) tie_floor: f32,
}

impl Me {
    #[inline(always)]
    pub(super) fn new(c: &Consts, draws: PairDraws, day: u32, a: AgentIdx, view: PeerView, tie_floor: f32) -> Self {
        Me {
            a,
            draws,
            day: day as i32,
            mental: view.mental() as u32,
            lived: view.lived_experience(),
            venue: view.venue_today() as u32,
            social_media: view.social_media(),
            withdraw: c.withdraw[view.mental() as usize],
            can_give: view.mental() != MentalState::Crisis,
            tie_floor,
        }
    }
}

/// One of three values by mental state (0 well, 1 struggling, 2 crisis), as selects rather than a table
/// lookup, so that the kernel's loop vectorises.
#[inline(always)]
pub(super) fn by_mental(m: u32, t: [f32; 3]) -> f32 {
    select(m == 0, t[0], select(m == 1, t[1], t[2]))
}

/// `if condition { a } else { b }` computed without a branch (a conditional move, or a blend in vectors):
/// the conditions of the kernel are coin tosses for the branch predictor.
#[inline(always)]
pub(super) fn select<T>(condition: bool, a: T, b: T) -> T {
    std::hint::select_unpredictable(condition, a, b)
}

/// Contact, support, strengthening and decay along each of a chunk's first `valid` ties (see the module's
/// comment), without branches: whether a tie carries contact today is a coin toss (about one tie in three), so
/// both outcomes are computed and one is kept, and every table lookup by kind or state is a select. Slots past
/// `valid` are computed too and left as they were. Returns how many ties only ghosting kept from contact,
/// how many gave support to an unwell other end, how many end today: below the floor, or (with `TURNOVER`, on
/// the days it is drawn) by turnover, which non-kin ties meet when the pair's turnover draw is below
/// `Consts::turnover_bound`; and the support received along the row by layer (emotional, instrumental,
/// informational), summed over its lanes by [`row_sum`] (the lanes past `valid` hold +0): with `AVX` (where the
/// CPU has it) in vector registers by [`row_sum_avx`], whose additions are the same.
///
/// Every quantity is a symmetric function of the pair, so the other end computes the same for its copy. The
/// operations and their order are those of `reference::update_tie` (multiplication and addition of two
/// numbers are commutative in IEEE arithmetic, which lets the kernel pair "me" and "other" instead of the
/// lower and higher index). With `LAST_CONTACT` it sets the last contact day of each tie with contact today;
/// without, it leaves the row's last contacts alone (neither read nor written).
#[inline(always)]
pub(super) fn kernel<const TURNOVER: bool, const LAST_CONTACT: bool, const AVX: bool>(
    c: &Consts,
    me: &Me,
    valid: u32,
    t: &mut TieRow,
    last: Option<&mut [i32; LANES]>,
    l: &mut Lanes,
) -> (u32, u32, u32, [f32; 3]) {
    // Copies in registers: selects between their values vectorise, loads through a selected address do not.
    let c = *c;
    let me = *me;
    let (mut n_ghosted, mut n_gave, mut n_ending) = (0, 0, 0);
    // The row's last contacts as they were, where they are kept.
    let old_last = match &last {
        Some(last) if LAST_CONTACT => **last,
        _ => [0; LANES],
    };
    let (mut em, mut ins, mut inf) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
    for j in 0..LANES {
        let is_tie = (j as u32) < valid;
        let b = t.other[j];
        let s = t.strength[j];
        let kin = t.formed_and_kind[j] & 3 == 0;
        let view = l.view[j];
        let mental = (view >> PeerView::MENTAL_SHIFT) & 3;
        let lived = view & PeerView::LIVED_BIT != 0;
        // `PeerView::social_media`, in the same operations.
        let social_media = social_media_of_step(view >> PeerView::SOCIAL_MEDIA_SHIFT);
        let sm = 0.5 * (me.social_media + social_media);
        let in_person = (me.venue != NO_VENUE as u32) & (me.venue == view & PeerView::VENUE_BITS);

        // Remote contact: outreach of each end toward the other, with and without ghosting (those with
        // lived experience do not ghost).
        let u = me.draws.uniform(me.a, b);
        let rate = select(kin, c.contact_rate[0], c.contact_rate[1]);
        let x = rate * s * c.outreach_scale * (1.0 + c.sm_boost * sm);
        let x_me = x * me.withdraw;
        let x_other = x * by_mental(mental, c.withdraw);
        let ghost_me = select(me.lived, 1.0, by_mental(mental, c.ghosting[0]));
        let ghost_other = select(lived, 1.0, by_mental(me.mental, c.ghosting[0]));
        let p_me = (x_me * ghost_me).min(1.0);
        let p_other = (x_other * ghost_other).min(1.0);
        let p_other_not_ghosting = x_other.min(1.0);
        let remote = !in_person & (u < 1.0 - (1.0 - p_me) * (1.0 - p_other));
        // Contact that only the other end's ghosting of this agent prevented.
        let ghosted = !in_person & !remote & (u < 1.0 - (1.0 - p_me) * (1.0 - p_other_not_ghosting));
        // No contact along the slots past the agent's ties, so that they decay at a rate of zero below and
        // keep their strength, bit for bit, without a select against the old value: that select compiles to two
        // masked stores (`vmaskmovps`), which AMD CPUs run as microcode.
        let contact = is_tie & (in_person | remote);

        // Support received from the other end, by layer; giving lifts the giver.
        let mode = select(in_person, 1.0, c.remote_support);
        let k = s * mode * by_mental(mental, c.capacity);
        let k = select(contact, k, 0.0);
        let emotional = select(kin, c.emotional[0], c.emotional[1]);
        let instrumental = select(kin, c.instrumental[0], c.instrumental[1]);
        let informational = select(
            kin,
            select(lived, c.informational[0][1], c.informational[0][0]),
            select(lived, c.informational[1][1], c.informational[1][0]),
        );
        em[j] = k * emotional;
        ins[j] = k * instrumental;
        inf[j] = k * informational;
        n_gave += (contact & (mental != 0) & me.can_give) as u32;
        n_ghosted += (is_tie & ghosted) as u32;
        if LAST_CONTACT {
            l.last_contact_day[j] = select(contact, me.day, old_last[j]);
        }

        // Contact strengthens the tie; without it the tie decays (kin slowly, new ties fast, ghosted ties
        // faster, social media slows it).
        let gain = select(in_person, c.gain[0], c.gain[1]);
        let strengthened = (s + gain * (1.0 - s)).min(1.0);
        let newness = l.newness[j];
        let ghost = ((me.mental != 0) & !lived) | ((mental != 0) & !me.lived);
        let ghost = select(ghost, c.ghost_decay[1], c.ghost_decay[0]);
        let social = 1.0 - c.social_decay_reduction * sm;
        let decay_kind = select(kin, c.decay_kind[0], c.decay_kind[1]);
        let rate = select(is_tie, (c.daily_decay * decay_kind * newness * ghost * social).min(1.0), 0.0);
        let decayed = s * (1.0 - rate);
        let s = select(contact, strengthened, decayed);
        let turnover = TURNOVER && !kin & (c.turnover.bits(me.a, b) < c.turnover_bound);
        n_ending += (is_tie & ((s < me.tie_floor) | turnover)) as u32;
        t.strength[j] = s;
    }
    if let (true, Some(last)) = (LAST_CONTACT, last) {
        *last = l.last_contact_day;
    }
    #[cfg(target_arch = "x86_64")]
    if AVX {
        // SAFETY: `AVX` is only set by the block functions compiled with AVX2 or AVX-512 (see `cpu`).
        return (n_ghosted, n_gave, n_ending, unsafe { [row_sum_avx(&em), row_sum_avx(&ins), row_sum_avx(&inf)] });
    }
    (n_ghosted, n_gave, n_ending, [row_sum(em), row_sum(ins), row_sum(inf)])
}
