//! Ties: a flat, fixed-capacity table of symmetric ties (`max_ties` slots per agent). Every tie is stored at
//! both ends with bit-identical values; all updates either go through [`Network::add_pair`] /
//! [`Network::strengthen_pair`] (both ends at once) or through a symmetric function of the pair applied by
//! each end to its own copy (see `dynamics::support`).

use crate::types::AgentIdx;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[repr(u8)]
pub enum TieKind {
    /// Family: decays far more slowly, gives more instrumental support.
    Kin = 0,
    /// Friendships from before the run (work, neighbours, school).
    Friend = 1,
    /// Ties formed at a venue during the run.
    Venue = 2,
}

impl TieKind {
    pub fn name(self) -> &'static str {
        match self {
            TieKind::Kin => "kin",
            TieKind::Friend => "friend",
            TieKind::Venue => "venue",
        }
    }
}

/// One end's copy of a tie: 16 bytes (the kind shares a word with the day formed), as ties are most of a
/// town's memory (`max_ties` slots per agent).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tie {
    pub other: AgentIdx,
    pub strength: f32,
    /// Day formed × 4 + kind; see [`Tie::formed_day`] and [`Tie::kind`].
    formed_and_kind: i32,
    pub last_contact_day: i32,
}

impl Tie {
    /// A tie formed (and last in contact) on `day`; negative days are before the run. |day| < 2^29.
    pub const fn new(other: AgentIdx, strength: f32, day: i32, kind: TieKind) -> Tie {
        Tie { other, strength, formed_and_kind: day * 4 + kind as i32, last_contact_day: day }
    }

    /// Day formed; negative for ties that predate the run.
    #[inline]
    pub fn formed_day(&self) -> i32 {
        self.formed_and_kind >> 2
    }

    /// Day formed × 4 + kind, as stored.
    #[inline]
    pub fn formed_and_kind(&self) -> i32 {
        self.formed_and_kind
    }

    #[inline]
    pub fn kind(&self) -> TieKind {
        match self.formed_and_kind & 3 {
            0 => TieKind::Kin,
            1 => TieKind::Friend,
            _ => TieKind::Venue,
        }
    }
}

/// All ties of a town.
#[derive(Clone, Debug)]
pub struct Network {
    pub max_ties: usize,
    pub count: Vec<u8>,
    pub slots: Vec<Tie>,
}

const EMPTY: Tie = Tie::new(0, 0.0, 0, TieKind::Friend);

impl Network {
    pub fn new(n_agents: usize, max_ties: usize) -> Self {
        assert!(max_ties <= u8::MAX as usize);
        Network { max_ties, count: vec![0; n_agents], slots: vec![EMPTY; n_agents * max_ties] }
    }

    #[inline]
    pub fn ties(&self, a: AgentIdx) -> &[Tie] {
        let start = a as usize * self.max_ties;
        &self.slots[start..start + self.count[a as usize] as usize]
    }

    pub fn find(&self, a: AgentIdx, b: AgentIdx) -> Option<usize> {
        self.ties(a).iter().position(|t| t.other == b)
    }

    pub fn n_agents(&self) -> usize {
        self.count.len()
    }

    fn remove_at(&mut self, a: AgentIdx, i: usize) {
        let start = a as usize * self.max_ties;
        let n = self.count[a as usize] as usize;
        // Keep order stable so iteration order (and so output) does not depend on removal history tricks.
        self.slots.copy_within(start + i + 1..start + n, start + i);
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
        let (i, weakest) = self
            .ties(a)
            .iter()
            .enumerate()
            .min_by(|x, y| x.1.strength.total_cmp(&y.1.strength))
            .map(|(i, t)| (i, *t))
            .expect("a full tie list is not empty");
        if weakest.strength < strength {
            let _ = i;
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
        let tie = |other| Tie::new(other, strength, day, kind);
        for (x, y) in [(a, b), (b, a)] {
            let n = self.count[x as usize] as usize;
            self.slots[x as usize * self.max_ties + n] = tie(y);
            self.count[x as usize] += 1;
        }
        true
    }

    /// Raises the strength of an existing tie at both ends by `gain × (1 − strength)` and marks contact.
    pub fn strengthen_pair(&mut self, a: AgentIdx, b: AgentIdx, gain: f32, day: i32) {
        for (x, y) in [(a, b), (b, a)] {
            if let Some(i) = self.find(x, y) {
                let t = &mut self.slots[x as usize * self.max_ties + i];
                t.strength = (t.strength + gain * (1.0 - t.strength)).min(1.0);
                t.last_contact_day = day;
            }
        }
    }

    /// Checks that every tie exists at both ends with identical strength; returns the first violation.
    pub fn check_symmetric(&self) -> Result<(), String> {
        for a in 0..self.n_agents() as AgentIdx {
            for t in self.ties(a) {
                match self.find(t.other, a).map(|i| self.ties(t.other)[i]) {
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
        assert_eq!(std::mem::size_of::<Tie>(), 16, "ties are most of the memory: keep them at 16 bytes");
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
        assert_eq!(net.ties(0)[net.find(0, 3).unwrap()].strength, 0.65);
        net.check_symmetric().unwrap();
    }
}
