//! Ties: a flat, fixed-capacity table of symmetric ties (`max_ties` slots per agent). Every tie is stored at
//! both ends with bit-identical values; all updates either go through [`Network::add_pair`] /
//! [`Network::strengthen_pair`] (both ends at once) or through a symmetric function of the pair applied by
//! each end to its own copy (see `dynamics::support`).

use super::tie::{set_slot, slot};
pub use super::tie::{LastContacts, Tie, TieKind, TieRow, TIE_LANES};
use crate::types::AgentIdx;
use rayon::iter::Either;
use rayon::prelude::*;

/// Asks the CPU to bring what `x` points at into the cache (a hint: no effect on results; a prefetch never
/// faults, so `x` need not point into anything).
#[inline(always)]
pub(crate) fn prefetch<T>(x: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing into the program and cannot fault; SSE is part of every x86-64 CPU.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(x.cast::<i8>())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// All ties of a town: `rows_per_agent` [`TieRow`]s per agent, one after another in agent order, so that the
/// tie pass reads the table as one stream; and, in a network that keeps them, their last contacts in as many
/// [`LastContacts`] rows beside them.
#[derive(Clone, Debug)]
pub struct Network {
    pub max_ties: usize,
    rows_per_agent: usize,
    pub count: Vec<u8>,
    rows: Vec<TieRow>,
    last: Option<Vec<LastContacts>>,
}

/// One agent's ties.
#[derive(Clone, Copy, Debug)]
pub struct Ties<'a> {
    rows: &'a [TieRow],
    last: Option<&'a [LastContacts]>,
    len: usize,
}

impl<'a> Ties<'a> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`th tie (in the order they formed).
    #[inline]
    pub fn get(&self, i: usize) -> Tie {
        assert!(i < self.len, "tie {i} of {}", self.len);
        slot(self.rows, self.last, i)
    }

    pub fn iter(&self) -> TiesIter<'a> {
        TiesIter { ties: *self, next: 0 }
    }

    /// The rows that hold the agent's ties, each with how many of its slots do (all but the last have
    /// [`TIE_LANES`]); the slots after those hold stale values.
    #[inline]
    pub fn filled_rows(&self) -> impl Iterator<Item = (&'a TieRow, usize)> + 'a {
        self.rows.iter().take(self.len.div_ceil(TIE_LANES)).scan(self.len, |left, row| {
            let n = (*left).min(TIE_LANES);
            *left -= n;
            Some((row, n))
        })
    }
}

impl<'a> IntoIterator for Ties<'a> {
    type Item = Tie;
    type IntoIter = TiesIter<'a>;
    fn into_iter(self) -> TiesIter<'a> {
        self.iter()
    }
}

/// An agent's ties in order, as values.
pub struct TiesIter<'a> {
    ties: Ties<'a>,
    next: usize,
}

impl Iterator for TiesIter<'_> {
    type Item = Tie;
    #[inline]
    fn next(&mut self) -> Option<Tie> {
        let i = self.next;
        (i < self.ties.len).then(|| {
            self.next += 1;
            slot(self.ties.rows, self.ties.last, i)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.ties.len - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for TiesIter<'_> {}

/// The ties of a block of consecutive agents, writable (see [`Network::par_blocks_mut`]).
pub struct BlockMut<'a> {
    pub count: &'a mut [u8],
    rows_per_agent: usize,
    rows: &'a mut [TieRow],
    last: Option<&'a mut [LastContacts]>,
}

impl BlockMut<'_> {
    /// Agents in the block.
    pub fn len(&self) -> usize {
        self.count.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count.is_empty()
    }

    /// The `k`th agent's ties.
    pub fn ties(&self, k: usize) -> Ties<'_> {
        let range = k * self.rows_per_agent..(k + 1) * self.rows_per_agent;
        Ties {
            rows: &self.rows[range.clone()],
            last: self.last.as_deref().map(|l| &l[range]),
            len: self.count[k] as usize,
        }
    }

    /// The `k`th agent's rows, their last contacts where the network keeps them, and its count of ties,
    /// writable.
    pub fn agent(&mut self, k: usize) -> (&mut [TieRow], Option<&mut [LastContacts]>, &mut u8) {
        let range = k * self.rows_per_agent..(k + 1) * self.rows_per_agent;
        (&mut self.rows[range.clone()], self.last.as_deref_mut().map(|l| &mut l[range]), &mut self.count[k])
    }

    /// Whether the block's network keeps the ties' last contacts ([`Network::track_last_contact`]).
    pub fn keeps_last_contact(&self) -> bool {
        self.last.is_some()
    }

    /// Keeps the `k`th agent's ties for which `keep(tie)` holds, in their order.
    pub fn retain(&mut self, k: usize, mut keep: impl FnMut(Tie) -> bool) {
        let (rows, mut last, count) = self.agent(k);
        let mut kept = 0;
        for i in 0..*count as usize {
            let tie = slot(rows, last.as_deref(), i);
            if keep(tie) {
                set_slot(rows, last.as_deref_mut(), kept, tie);
                kept += 1;
            }
        }
        *count = kept as u8;
    }
}

impl Network {
    pub fn new(n_agents: usize, max_ties: usize) -> Self {
        assert!(max_ties <= u8::MAX as usize);
        let rows_per_agent = max_ties.div_ceil(TIE_LANES);
        Network {
            max_ties,
            rows_per_agent,
            count: vec![0; n_agents],
            rows: vec![TieRow::default(); n_agents * rows_per_agent],
            last: None,
        }
    }

    /// Keeps each tie's last contact day from now on (the meetings and the tie pass write it), starting from
    /// the day each tie formed. So it must be called before the town's first day, when no tie has had contact
    /// yet ([`crate::world::World::step`] calls it when it is first given an agent observer, on day 0). Only
    /// agent records show the days, and the other runs neither keep nor stream them.
    pub fn track_last_contact(&mut self) {
        if self.last.is_none() {
            self.last = Some(self.rows.iter().map(|row| LastContacts(row.formed_and_kind.map(|f| f >> 2))).collect());
        }
    }

    /// Whether the network keeps the ties' last contacts ([`Network::track_last_contact`]).
    pub fn keeps_last_contact(&self) -> bool {
        self.last.is_some()
    }

    /// Bytes of the tie table per agent for `max_ties`, without the last contacts that only runs with agent
    /// records keep (64 bytes more a row of 16 slots).
    pub fn bytes_per_agent(max_ties: usize) -> usize {
        1 + max_ties.div_ceil(TIE_LANES) * std::mem::size_of::<TieRow>()
    }

    #[inline]
    pub fn ties(&self, a: AgentIdx) -> Ties<'_> {
        let range = a as usize * self.rows_per_agent..(a as usize + 1) * self.rows_per_agent;
        Ties {
            rows: &self.rows[range.clone()],
            last: self.last.as_deref().map(|l| &l[range]),
            len: self.count[a as usize] as usize,
        }
    }

    /// Asks the CPU to bring agent `a`'s first row of ties into the cache (its other ends and strengths: what
    /// going out and meetings read), ahead of a phase that reads the rows of a scattered part of the agents,
    /// which the hardware prefetcher cannot foresee. A hint: `a` may be past the last agent.
    #[inline(always)]
    pub fn prefetch_ties(&self, a: usize) {
        let row = self.rows.as_ptr().wrapping_add(a * self.rows_per_agent);
        prefetch(row);
        prefetch(row.cast::<u8>().wrapping_add(64));
    }

    /// Asks the CPU to bring all of agent `a`'s first row of ties and its count of ties into the cache, ahead of
    /// a change to its ties at a scattered agent ([`Network::strengthen_pair`], [`Network::add_pair`]). A hint:
    /// `a` may be past the last agent.
    #[inline(always)]
    pub fn prefetch_for_change(&self, a: usize) {
        let row = self.rows.as_ptr().wrapping_add(a * self.rows_per_agent).cast::<u8>();
        for line in 0..std::mem::size_of::<TieRow>() / 64 {
            prefetch(row.wrapping_add(64 * line));
        }
        prefetch(self.count.as_ptr().wrapping_add(a));
    }

    /// Blocks of `agents` consecutive agents' ties, in parallel.
    pub fn par_blocks_mut(&mut self, agents: usize) -> impl IndexedParallelIterator<Item = BlockMut<'_>> {
        let rows_per_agent = self.rows_per_agent;
        let blocks = self.count.par_chunks_mut(agents).zip(self.rows.par_chunks_mut(agents * rows_per_agent));
        match self.last.as_deref_mut() {
            None => Either::Left(blocks.map(move |(count, rows)| BlockMut { count, rows_per_agent, rows, last: None })),
            Some(last) => {
                Either::Right(
                    blocks
                        .zip(last.par_chunks_mut(agents * rows_per_agent))
                        .map(move |((count, rows), last)| BlockMut { count, rows_per_agent, rows, last: Some(last) }),
                )
            }
        }
    }

    /// The position of a's tie to b among a's ties, if they have one. Meetings ask this of every pair that
    /// meets, so it scans the rows' columns of other ends directly.
    pub fn find(&self, a: AgentIdx, b: AgentIdx) -> Option<usize> {
        for (r, (row, n)) in self.ties(a).filled_rows().enumerate() {
            if let Some(j) = row.other[..n].iter().position(|&o| o == b) {
                return Some(r * TIE_LANES + j);
            }
        }
        None
    }

    pub fn n_agents(&self) -> usize {
        self.count.len()
    }

    /// The agent's rows, and their last contacts where they are kept, writable.
    fn rows_mut(&mut self, a: AgentIdx) -> (&mut [TieRow], Option<&mut [LastContacts]>) {
        let range = a as usize * self.rows_per_agent..(a as usize + 1) * self.rows_per_agent;
        (&mut self.rows[range.clone()], self.last.as_deref_mut().map(|l| &mut l[range]))
    }

    fn remove_at(&mut self, a: AgentIdx, i: usize) {
        let n = self.count[a as usize] as usize;
        let (rows, mut last) = self.rows_mut(a);
        // Keep order stable so iteration order (and so output) does not depend on removal history tricks.
        for j in i + 1..n {
            let tie = slot(rows, last.as_deref(), j);
            set_slot(rows, last.as_deref_mut(), j - 1, tie);
        }
        self.count[a as usize] -= 1;
    }

    /// Removes the tie between a and b at both ends, if any.
    pub fn remove_pair(&mut self, a: AgentIdx, b: AgentIdx) {
        if let Some(i) = self.find(a, b) {
            self.remove_at(a, i);
        }
        if let Some(i) = self.find(b, a) {
            self.remove_at(b, i);
        }
    }

    /// Makes room for a tie of `strength` at `a`: true if there is a free slot or the weakest tie is weaker
    /// (then it is dropped at both ends).
    fn make_room(&mut self, a: AgentIdx, strength: f32) -> bool {
        if (self.count[a as usize] as usize) < self.max_ties {
            return true;
        }
        let weakest =
            self.ties(a).iter().min_by(|x, y| x.strength.total_cmp(&y.strength)).expect("a full tie list is not empty");
        if weakest.strength < strength {
            self.remove_pair(a, weakest.other);
            true
        } else {
            false
        }
    }

    /// Adds a tie at both ends; the weakest tie of a full agent goes first. Returns false if no tie formed
    /// (self-tie, already tied, or both lists full of stronger ties).
    pub fn add_pair(&mut self, a: AgentIdx, b: AgentIdx, strength: f32, day: i32, kind: TieKind) -> bool {
        if a == b || self.find(a, b).is_some() {
            return false;
        }
        // Check both ends before dropping anything, so a failed add changes nothing.
        let can = |net: &Network, x: AgentIdx| {
            (net.count[x as usize] as usize) < net.max_ties || net.ties(x).iter().any(|t| t.strength < strength)
        };
        if !can(self, a) || !can(self, b) {
            return false;
        }
        if !self.make_room(a, strength) || !self.make_room(b, strength) {
            return false;
        }
        for (x, y) in [(a, b), (b, a)] {
            let n = self.count[x as usize] as usize;
            let (rows, last) = self.rows_mut(x);
            set_slot(rows, last, n, Tie::new(y, strength, day, kind));
            self.count[x as usize] += 1;
        }
        true
    }

    /// Raises the strength of an existing tie at both ends by `gain × (1 − strength)` and marks contact.
    pub fn strengthen_pair(&mut self, a: AgentIdx, b: AgentIdx, gain: f32, day: i32) {
        for (x, y) in [(a, b), (b, a)] {
            if let Some(i) = self.find(x, y) {
                let (rows, last) = self.rows_mut(x);
                let (s, j) = (&mut rows[i / TIE_LANES].strength, i % TIE_LANES);
                s[j] = (s[j] + gain * (1.0 - s[j])).min(1.0);
                if let Some(last) = last {
                    last[i / TIE_LANES].0[j] = day;
                }
            }
        }
    }

    /// Checks that every tie exists at both ends with identical strength; returns the first violation.
    pub fn check_symmetric(&self) -> Result<(), String> {
        for a in 0..self.n_agents() as AgentIdx {
            for t in self.ties(a) {
                match self.find(t.other, a).map(|i| self.ties(t.other).get(i)) {
                    None => return Err(format!("tie {a}->{} has no reverse", t.other)),
                    Some(r) if r.strength.to_bits() != t.strength.to_bits() || r.formed_day() != t.formed_day() => {
                        return Err(format!("tie {a}<->{} differs between ends", t.other))
                    }
                    _ => {}
                }
                if t.other == a {
                    return Err(format!("self tie at {a}"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_drop_weakest_keeps_symmetry() {
        let mut net = Network::new(5, 2);
        assert!(net.add_pair(0, 1, 0.5, 0, TieKind::Friend));
        assert_eq!(Network::bytes_per_agent(15), 1 + 16 * 12, "ties are most of the memory: 12 bytes a slot");
        assert_eq!(std::mem::size_of::<TieRow>(), 16 * 12);
        assert_eq!(std::mem::size_of::<LastContacts>(), 16 * 4);
        for (day, kind) in [(-3650, TieKind::Kin), (-1, TieKind::Venue), (0, TieKind::Friend), (36_500, TieKind::Venue)]
        {
            let t = Tie::new(7, 0.5, day, kind);
            assert_eq!((t.formed_day(), t.kind(), t.last_contact_day), (day, kind, day));
        }
        assert!(net.add_pair(0, 2, 0.2, 0, TieKind::Friend));
        assert!(!net.add_pair(0, 1, 0.9, 0, TieKind::Friend), "already tied");
        assert!(!net.add_pair(0, 3, 0.1, 0, TieKind::Friend), "full of stronger ties");
        assert!(net.add_pair(0, 3, 0.3, 0, TieKind::Friend), "drops the weakest (0-2)");
        assert!(net.find(0, 2).is_none() && net.find(2, 0).is_none());
        net.strengthen_pair(0, 3, 0.5, 1);
        assert_eq!(net.ties(0).get(net.find(0, 3).unwrap()).strength, 0.65);
        net.check_symmetric().unwrap();
    }

    /// Last contacts: not kept until asked for (a tie reads as last in contact the day it formed), then
    /// kept from the day each tie formed, through contact, removals that move ties, and `retain`.
    #[test]
    fn last_contacts_are_kept_once_asked_for() {
        let mut net = Network::new(40, 20);
        for b in 1..=18 {
            assert!(net.add_pair(0, b, 0.5, -(b as i32), TieKind::Friend));
        }
        net.strengthen_pair(0, 5, 0.1, 3);
        assert!(!net.keeps_last_contact());
        assert_eq!(net.ties(0).get(4).last_contact_day, -5, "not kept: the day formed");
        let mut kept = net.clone();
        kept.track_last_contact();
        assert!(kept.keeps_last_contact());
        let last = |net: &Network, a: AgentIdx, b: AgentIdx| net.ties(a).get(net.find(a, b).unwrap()).last_contact_day;
        assert_eq!((last(&kept, 0, 5), last(&kept, 5, 0), last(&kept, 0, 17)), (-5, -5, -17));
        kept.strengthen_pair(0, 17, 0.1, 7);
        assert!(kept.add_pair(0, 30, 0.9, 8, TieKind::Venue));
        kept.remove_pair(0, 2);
        assert_eq!((last(&kept, 0, 17), last(&kept, 17, 0), last(&kept, 0, 30), last(&kept, 0, 18)), (7, 7, 8, -18));
        let mut blocks: Vec<BlockMut> = kept.par_blocks_mut(8).collect();
        assert!(blocks.iter().all(|b| b.keeps_last_contact()));
        blocks[0].retain(0, |t| t.other != 1);
        blocks[0].retain(1, |t| t.other != 0);
        drop(blocks);
        assert_eq!((last(&kept, 0, 17), last(&kept, 0, 30), last(&kept, 0, 3)), (7, 8, -3));
        kept.check_symmetric().unwrap();
        // The same ties, strengths and order either way.
        net.strengthen_pair(0, 17, 0.1, 7);
        assert!(net.add_pair(0, 30, 0.9, 8, TieKind::Venue));
        net.remove_pair(0, 2);
        net.remove_pair(0, 1);
        let plain = |net: &Network| net.ties(0).iter().map(|t| (t.other, t.strength.to_bits())).collect::<Vec<_>>();
        assert_eq!(plain(&net), plain(&kept));
    }

    /// Agents with more ties than a row holds: order kept across rows through removals and `retain`.
    #[test]
    fn ties_span_rows_in_order() {
        let mut net = Network::new(60, 40);
        for b in 1..=37 {
            assert!(net.add_pair(0, b, b as f32 / 100.0, -(b as i32), TieKind::Venue));
        }
        let others = |net: &Network| net.ties(0).iter().map(|t| t.other).collect::<Vec<_>>();
        assert_eq!(others(&net), (1..=37).collect::<Vec<_>>());
        net.remove_pair(0, 3);
        net.remove_pair(20, 0);
        let mut want: Vec<AgentIdx> = (1..=37).filter(|&b| b != 3 && b != 20).collect();
        assert_eq!(others(&net), want);
        let t = net.ties(0).get(net.find(0, 17).unwrap());
        assert_eq!((t.strength, t.formed_day(), t.kind()), (0.17, -17, TieKind::Venue));
        for (i, &b) in want.iter().enumerate() {
            assert_eq!(net.find(0, b), Some(i), "tie to {b}");
        }
        // The last tie's slot keeps its stale value once the tie is gone; `find` must not see it.
        net.remove_pair(0, 37);
        assert_eq!(net.find(0, 37), None);
        assert_eq!(net.find(0, 3), None);
        want.pop();
        net.check_symmetric().unwrap();

        let mut blocks: Vec<BlockMut> = net.par_blocks_mut(8).collect();
        assert_eq!(blocks.len(), 8);
        assert_eq!(blocks[0].ties(0).len(), 34);
        blocks[0].retain(0, |t| t.other % 2 == 0);
        want.retain(|b| b % 2 == 0);
        drop(blocks);
        assert_eq!(others(&net), want);
        assert_eq!(net.ties(0).iter().len(), want.len());
    }
}
