//! One tie as each end keeps it ([`Tie`], [`TieKind`]) and the rows of slots that hold an agent's ties in
//! columns ([`TieRow`], [`LastContacts`]), which the tie pass reads in vectors. The table of all ties is
//! `network::Network`.

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

/// One end's copy of a tie, as read from the columns of [`Network`]: 12 bytes a slot (the kind shares a word
/// with the day formed), as ties are most of a town's memory, and 4 more for the last contact in a network that
/// keeps them ([`Network::track_last_contact`]).
///
/// [`Network`]: super::network::Network
/// [`Network::track_last_contact`]: super::network::Network::track_last_contact
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tie {
    pub other: AgentIdx,
    pub strength: f32,
    /// Day formed × 4 + kind; see [`Tie::formed_day`] and [`Tie::kind`].
    formed_and_kind: i32,
    /// The day of the tie's last contact along it (at first, the day it formed). Only agent records show it
    /// (`ties.csv`), so the network keeps it only in runs that record agents ([`Network::track_last_contact`],
    /// [`crate::world::World::step`]); read from a network that does not, it is the day the tie formed.
    ///
    /// [`Network::track_last_contact`]: super::network::Network::track_last_contact
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

/// Ties per [`TieRow`]: the tie pass's kernel works on a row at a time, in vectors (see `dynamics::support`).
pub const TIE_LANES: usize = 16;

/// Slots for up to [`TIE_LANES`] ties of one agent, as columns (one cache line each, aligned), so that the tie
/// pass reads and writes them in vectors. An agent has enough rows for `max_ties` slots, of which the first
/// `count` hold its ties, in the order they formed; slots past the count hold stale values that nothing reads.
/// The slots' last contacts, which only some runs keep, are in rows of their own ([`LastContacts`]), so that
/// the tie pass of the other runs streams three cache lines a row rather than four.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
pub struct TieRow {
    pub other: [AgentIdx; TIE_LANES],
    pub strength: [f32; TIE_LANES],
    /// Day formed × 4 + kind, as in [`Tie`].
    pub formed_and_kind: [i32; TIE_LANES],
}

impl TieRow {
    /// The tie in slot `j`, with the day it formed as its last contact (see `Ties::get` for the kept one).
    #[inline]
    pub fn get(&self, j: usize) -> Tie {
        let formed_and_kind = self.formed_and_kind[j];
        Tie {
            other: self.other[j],
            strength: self.strength[j],
            formed_and_kind,
            last_contact_day: formed_and_kind >> 2,
        }
    }

    /// Puts `tie` in slot `j` (but its last contact: see [`LastContacts`]).
    #[inline]
    pub fn set(&mut self, j: usize, tie: Tie) {
        self.other[j] = tie.other;
        self.strength[j] = tie.strength;
        self.formed_and_kind[j] = tie.formed_and_kind;
    }
}

/// The last contact days of a [`TieRow`]'s slots, in a network that keeps them
/// ([`Network::track_last_contact`]).
///
/// [`Network::track_last_contact`]: super::network::Network::track_last_contact
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(64))]
pub struct LastContacts(pub [i32; TIE_LANES]);

/// Slot `i` of an agent's rows (the row `i / TIE_LANES`, the lane `i % TIE_LANES`), with its last contact
/// where the rows' last contacts are kept.
#[inline]
pub(super) fn slot(rows: &[TieRow], last: Option<&[LastContacts]>, i: usize) -> Tie {
    let mut tie = rows[i / TIE_LANES].get(i % TIE_LANES);
    if let Some(last) = last {
        tie.last_contact_day = last[i / TIE_LANES].0[i % TIE_LANES];
    }
    tie
}

/// Puts `tie` in slot `i` of an agent's rows, and its last contact where they are kept.
#[inline]
pub(super) fn set_slot(rows: &mut [TieRow], last: Option<&mut [LastContacts]>, i: usize, tie: Tie) {
    rows[i / TIE_LANES].set(i % TIE_LANES, tie);
    if let Some(last) = last {
        last[i / TIE_LANES].0[i % TIE_LANES] = tie.last_contact_day;
    }
}
