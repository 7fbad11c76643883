//! The support phase in one pass over the tie table: contact and support along ties, then decay of unused ties.
//!
//! Contact along a tie is in person when both ends were at the same venue today, else remote (phone, social
//! media) with a daily chance that rises with strength and both ends' social media use and falls with
//! individualism, the agent's own withdrawal while unwell, and "ghosting": others reach out less to an agent
//! who is struggling or in crisis, unless they have lived experience. Support flows by layer (kin give more
//! instrumental help, friends more emotional support, lived experience adds information) and giving lifts
//! the giver. Unused ties decay: kin slowly, new ties fast, ties to an unwell agent faster (ghosting),
//! social media slows it; ties below the floor are dropped. Once a week (Sundays) a non-kin tie may end
//! whatever its strength (`tie_turnover_yearly`: moves, new jobs, life changes outside the model).
//!
//! Every quantity that touches a tie is a symmetric function of the pair (ordered by agent index) and the
//! pair's draw for the day (`rng::PairDraws`, a hash of 32-bit words that vector units compute eight or sixteen
//! at a time), so each end updates its own copy and both copies stay bit-identical.
//!
//! The per-tie work is a kernel without branches over a row of the tie table (an agent's ties as columns,
//! `TieRow`), one portable source that the compiler vectorises: compiled with AVX-512 (a row of sixteen ties per
//! instruction) or AVX2 (eight) where the CPU has them, chosen at run time, and without vectors elsewhere, still
//! without branches (docs/performance.md gives what each way costs). It updates the row in
//! place and performs the same IEEE operations as the tie-at-a-time reference (`reference::update_tie`, kept
//! for tests), on draws that are exact in `f32`; so the output does not depend on the CPU, and a property
//! test holds each way the kernel can run to the reference, bit for bit. The support a row brings is summed by
//! layer in a fixed tree over its sixteen lanes (`row_sum`), in vector registers where the CPU has AVX, in the
//! same additions and order elsewhere. On Sundays it draws turnover too, on the draw's integer against a bound
//! (`rng::PairDraws::bound`), so that an agent's ties are gone through again only when one of them ends. The
//! other ends' views are scattered over the town (4 MB at 10^6 agents, beyond the L2 cache): they are loaded
//! in one tight loop before the kernel, and agents go in blocks so that each can prefetch those of the agent
//! two after it (in a town whose views fit a core's L2 cache, the prefetch is left out). A block is one call
//! of a function compiled for the kernel's way of running (AVX-512, AVX2 or portable; see `cpu`), with the
//! kernel, the loads and the sums inlined: the loop around the kernel gets the same instructions as the
//! kernel, and the kernel's constants are set up once per block rather than once per agent.

mod cpu;
mod kernel;

pub use cpu::{kernel_name, KERNEL_VAR};
pub use kernel::TURNOVER_WEEKDAY;
use kernel::{kernel, newness_table, Consts, Lanes, Me, LANES};

use super::DayContext;
use crate::params::Params;
use crate::rng::{day_prefix, PairDraws, Purpose};
use crate::types::AgentIdx;
use crate::world::network::{prefetch, BlockMut, LastContacts, Network, TieKind, TieRow};
use crate::world::view::PeerView;
use crate::world::Daily;
use cpu::Kernel;
use rayon::prelude::*;

/// The tie pass of a day. It keeps each tie's last contact day where the network does
/// ([`Network::track_last_contact`]: only agent records show them, and a row's last contacts are read and written
/// back whole, 128 bytes of memory traffic an agent).
pub fn pass_ties(ctx: &DayContext, p: &Params, network: &mut Network, daily: &mut [Daily]) {
    let consts = Consts::new(ctx, p);
    let tie_floor = p.tie_floor as f32;
    let draws = PairDraws::new(day_prefix(ctx.seed, ctx.replicate, Purpose::TieContact, ctx.day));
    let newness = newness_table(p);
    let kernel = Kernel::chosen();
    let peers = &ctx.peers;
    let prefetch_views = std::mem::size_of_val(peers.as_slice()) > PREFETCH_VIEWS_ABOVE;
    network.par_blocks_mut(BLOCK).zip(daily.par_chunks_mut(BLOCK)).enumerate().with_min_len(512 / BLOCK).for_each_init(
        || Box::new(Lanes::default()),
        |lanes: &mut Box<Lanes>, (i, (ties, daily))| {
            let pass = Pass { c: &consts, newness: &newness, peers, draws, day: ctx.day, tie_floor, prefetch_views };
            let mut b = Block { first: (i * BLOCK) as AgentIdx, ties, daily };
            let mut ending = kernel.block(&pass, &mut b, lanes);
            // Ties end (below the floor, or by turnover on Sundays) in a second pass that keeps the order of
            // those that stay; on most days no tie of an agent ends and the pass is skipped.
            while ending != 0 {
                let k = ending.trailing_zeros() as usize;
                ending &= ending - 1;
                let (a, d) = (b.first + k as AgentIdx, &mut b.daily[k]);
                b.ties.retain(k, |tie| {
                    let ends = consts.turnover_bound > 0
                        && tie.kind() != TieKind::Kin
                        && consts.turnover.bits(a, tie.other) < consts.turnover_bound;
                    if ends && tie.kind() == TieKind::Friend {
                        d.friends_ended = d.friends_ended.saturating_add(1);
                    }
                    tie.strength >= tie_floor && !ends
                });
            }
        },
    );
}

/// Agents per block of the tie pass: each agent's other ends are prefetched while an agent before it is worked
/// on, and the block's agents with a tie that ends are one bit each of a `u64`.
const BLOCK: usize = 64;

/// How many agents ahead the pass asks for the other ends' views. One agent's work is shorter than a trip to
/// the L3 cache or memory, where a large town's views are: at 10^6 agents two ahead took the pass from ≈ 115
/// to ≈ 95 ns per agent (one thread), four ahead did less well.
const VIEWS_AHEAD: usize = 2;

/// The size of the views (`DayContext::peers`) above which the pass prefetches them: below it they stay in a
/// core's L2 cache (1 MiB on this project's Zen 4 machine, 1.25–2 MiB on recent Intel cores) and the prefetch
/// only costs instructions. Measured with 8-byte views on a 2-core AMD Zen 3 virtual machine (2026-11, one
/// thread): at 10^4 agents (80 kB of views) the pass took 76 ns per agent with the prefetch and 68 without, at
/// 10^5 (800 kB) 82–86 and 72–74, from 2·10^5 to 5·10^5 agents the same either way, at 10^6 (8 MB) 117 with
/// and 221 without. Views are 4 bytes, so the prefetch starts above 2.6·10^5 agents, within the range where it
/// makes no difference.
const PREFETCH_VIEWS_ABOVE: usize = 1 << 20;
const _: () = assert!(BLOCK <= u64::BITS as usize);

/// A block of consecutive agents, the first of which is `first`: their ties and their day's accumulators.
struct Block<'b> {
    first: AgentIdx,
    ties: BlockMut<'b>,
    daily: &'b mut [Daily],
}

/// What the tie pass reads on a day, the same for every agent.
struct Pass<'a> {
    c: &'a Consts,
    newness: &'a [f32],
    peers: &'a [PeerView],
    /// The day's draws for contact.
    draws: PairDraws,
    day: u32,
    tie_floor: f32,
    /// Whether the views are large enough to be prefetched ([`PREFETCH_VIEWS_ABOVE`]).
    prefetch_views: bool,
}

/// Contact, support and decay along the ties of a block of agents: each agent's ties a row at a time (see
/// [`contact_and_decay`]), while the other ends of the agent [`VIEWS_AHEAD`] after it are prefetched. Returns
/// the agents with a tie that ends today, as bits (bit k for the block's kth agent).
/// Inlined into one function per way the kernel runs, so that the kernel's constants are set up once per
/// block rather than once per agent; `AVX512` and `AVX` say what that way's CPU has, and
/// `LAST_CONTACT` whether the block's ties keep their last contacts (`BlockMut::keeps_last_contact`).
#[inline(always)]
fn block<const TURNOVER: bool, const LAST_CONTACT: bool, const AVX512: bool, const AVX: bool>(
    pass: &Pass,
    b: &mut Block,
    lanes: &mut Lanes,
) -> u64 {
    let (first, ties, daily) = (b.first, &mut b.ties, &mut *b.daily);
    debug_assert!(daily.len() <= BLOCK && daily.len() == ties.len());
    // The constants as values of this function, which the compiler can keep (broadcast into vectors, spilled
    // where registers run out) across the whole block, rather than loading them again for every row.
    let c = *pass.c;
    let pass = &Pass { c: &c, ..*pass };
    let mut ending = 0;
    for (k, d) in daily.iter_mut().enumerate() {
        if pass.prefetch_views && k + VIEWS_AHEAD < ties.len() {
            for (row, n) in ties.ties(k + VIEWS_AHEAD).filled_rows() {
                for &other in &row.other[..n] {
                    prefetch(pass.peers.as_ptr().wrapping_add(other as usize));
                }
            }
        }
        let a = first + k as AgentIdx;
        let me = Me::new(pass.c, pass.draws, pass.day, a, pass.peers[a as usize], pass.tie_floor);
        let (rows, last, &mut count) = ties.agent(k);
        let some_end = contact_and_decay::<TURNOVER, LAST_CONTACT, AVX512, AVX>(pass, &me, rows, last, count, lanes, d);
        ending |= (some_end as u64) << k;
    }
    ending
}

/// Contact, support and decay along one agent's `count` ties (`me`'s), a row at a time: the kernel updates the
/// row's strength (and, with `LAST_CONTACT`, its last contacts, `last`) in place, from the other ends' views gathered
/// beside it, and returns the row's support by layer, summed in a fixed tree (`kernel::row_sum`), so that the sums are
/// the same bits however the kernel ran; the rows' sums are added to the day's in row order. Returns whether a tie
/// ends today: below the floor, or by turnover (counted without an early exit, which would be a coin toss for the
/// branch predictor).
#[inline(always)]
fn contact_and_decay<const TURNOVER: bool, const LAST_CONTACT: bool, const AVX512: bool, const AVX: bool>(
    pass: &Pass,
    me: &Me,
    rows: &mut [TieRow],
    mut last: Option<&mut [LastContacts]>,
    count: u8,
    lanes: &mut Lanes,
    d: &mut Daily,
) -> bool {
    let (peers, newness) = (pass.peers, pass.newness);
    // Never empty (`newness_table` ends with the entry for old ties): said here so that the reads below need
    // no bounds check.
    assert!(!newness.is_empty());
    let oldest = newness.len() - 1;
    // The agent's own view is among the views, so they are never empty: said so that the clamped index below
    // needs no bounds check.
    assert!(!peers.is_empty());
    let last_peer = peers.len() - 1;
    let mut ending = 0;
    for (r, (row, start)) in rows.iter_mut().zip((0..count as usize).step_by(LANES)).enumerate() {
        let valid = (count as usize - start).min(LANES);
        // The other ends' views are scattered over the whole town: a tight loop of loads, so that the CPU has
        // all of the row's cache misses in flight at once. Without AVX-512, over all sixteen slots, the stale
        // ones past the agent's ties too (an index clamped to the town, so no bounds check; their views are
        // computed on and ignored): a loop of fixed length, unrolled, where one of `valid` loads took eight
        // instructions a tie (with AVX2, 36 more instructions per agent-day). With AVX-512, LLVM makes the fixed
        // loop two gathers, which measured slower than loads on Zen 4.
        if AVX512 {
            for j in 0..valid {
                lanes.view[j] = peers[row.other[j] as usize].bits();
            }
        } else {
            for j in 0..LANES {
                lanes.view[j] = peers[(row.other[j] as usize).min(last_peer)].bits();
            }
        }
        let last_row = if LAST_CONTACT { last.as_deref_mut().map(|l| &mut l[r].0) } else { None };
        // Every lane, the ones past the agent's ties too (their stale ages still index the table): a loop of
        // fixed length is one vector gather, where one of `valid` lanes took several paths by length.
        for j in 0..LANES {
            let age = (me.day - (row.formed_and_kind[j] >> 2)).max(0) as u32 as usize;
            lanes.newness[j] = newness[age.min(oldest)];
        }
        let (ghosted, gave, ends, [emotional, instrumental, informational]) =
            kernel::<TURNOVER, LAST_CONTACT, AVX>(pass.c, me, valid as u32, row, last_row, lanes);
        d.emotional += emotional;
        d.instrumental += instrumental;
        d.informational += informational;
        d.ghosted += ghosted as u16;
        d.gave |= gave != 0;
        ending += ends;
    }
    ending > 0
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests;
