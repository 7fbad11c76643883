//! What others read of an agent: its packed view (`PeerView`), and the grid its social media use is held to.

use super::agents::{Agent, AgentState};
use crate::types::{MentalState, VenueIdx, NO_VENUE};

/// The part of an agent that the tie pass reads of the other end of each tie, packed into one 32-bit word so
/// that random access along ties stays in cache (a 10^6-agent town's views are 4 MB, and a 10^5-agent town's
/// fit the L2 cache with room to spare). Built once per day from yesterday's state, by the inner state at the
/// end of yesterday (`sim::Prepared`) or, on the first day and days with events, by `World::begin_day`.
///
/// Bits 0–15: the venue today (`NO_VENUE` before the meeting phase fills it in); bits 16–17: the mental state;
/// bit 18: lived experience; bits 19–31: social media use, in steps of its grid ([`social_media_step`]), which
/// holds every agent's use exactly. The tie kernel takes the word apart in vectors (`support`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct PeerView(u32);

impl PeerView {
    pub const VENUE_BITS: u32 = 0xffff;
    pub const MENTAL_SHIFT: u32 = 16;
    pub const LIVED_BIT: u32 = 1 << 18;
    pub const SOCIAL_MEDIA_SHIFT: u32 = 19;

    /// The view of an agent whose social media use `social_media` is on its grid (as every agent's is).
    #[inline]
    pub fn new(social_media: f32, venue_today: VenueIdx, mental: MentalState, lived_experience: bool) -> Self {
        PeerView(
            venue_today as u32
                | (mental as u32) << Self::MENTAL_SHIFT
                | if lived_experience { Self::LIVED_BIT } else { 0 }
                | social_media_step(social_media) << Self::SOCIAL_MEDIA_SHIFT,
        )
    }

    /// The word as the tie kernel reads it.
    #[inline]
    pub fn bits(self) -> u32 {
        self.0
    }

    #[inline]
    pub fn venue_today(self) -> VenueIdx {
        (self.0 & Self::VENUE_BITS) as VenueIdx
    }

    #[inline]
    pub fn set_venue_today(&mut self, venue: VenueIdx) {
        self.0 = (self.0 & !Self::VENUE_BITS) | venue as u32;
    }

    /// The mental state, by a table rather than a `match`, whose branches on a state that is a coin toss from
    /// agent to agent are often mispredicted.
    #[inline]
    pub fn mental(self) -> MentalState {
        const STATES: [MentalState; 4] =
            [MentalState::Well, MentalState::Struggling, MentalState::Crisis, MentalState::Crisis];
        STATES[((self.0 >> Self::MENTAL_SHIFT) & 3) as usize]
    }

    #[inline]
    pub fn lived_experience(self) -> bool {
        self.0 & Self::LIVED_BIT != 0
    }

    /// Social media use: the agent's own value, bit for bit.
    #[inline]
    pub fn social_media(self) -> f32 {
        social_media_of_step(self.0 >> Self::SOCIAL_MEDIA_SHIFT)
    }
}

impl Default for PeerView {
    fn default() -> Self {
        PeerView::new(0.0, NO_VENUE, MentalState::Well, false)
    }
}

/// Steps of the grid that social media use (a score in [0, 1]) is held to: 2^13 − 1, so that the step fits the
/// 13 bits a [`PeerView`] has left. One step is 0.000122 of the score's range, far below anything the model's
/// sources could tell apart; what the grid buys is a 4-byte view.
pub const SOCIAL_MEDIA_STEPS: u32 = (1 << 13) - 1;

/// The value of step `k` (at most `SOCIAL_MEDIA_STEPS`) of the social media grid: `k` times the step, in `f32`.
/// (`k` converts as a signed integer, the same value for every step, because AVX2 has no vector conversion of
/// unsigned integers.)
#[inline]
pub fn social_media_of_step(k: u32) -> f32 {
    debug_assert!(k <= SOCIAL_MEDIA_STEPS);
    k as i32 as f32 * (1.0 / SOCIAL_MEDIA_STEPS as f32)
}

/// The step of the grid nearest to `x` (clamped to [0, 1]; halfway, the step above); for a value on the grid,
/// its own step. Rounded by adding one half and truncating, one instruction, where `f32::round` is a call to
/// the C library on x86-64's baseline (the inner state builds every agent's view daily).
#[inline]
pub fn social_media_step(x: f32) -> u32 {
    (x.clamp(0.0, 1.0) * SOCIAL_MEDIA_STEPS as f32 + 0.5) as u32
}

/// `x` (clamped to [0, 1]) rounded to the nearest value of the social media grid: how a social media use is
/// drawn at the start and changed by events.
#[inline]
pub fn social_media_on_grid(x: f32) -> f32 {
    social_media_of_step(social_media_step(x))
}

/// What others read of an agent today, before anyone has gone out.
#[inline]
pub fn view(a: &Agent, st: &AgentState) -> PeerView {
    PeerView::new(a.social_media, NO_VENUE, st.mental, a.lived_experience)
}

#[cfg(test)]
mod tests {
    #[test]
    fn peer_view_stays_four_bytes() {
        // The tie pass reads one view per tie end at random; growing it costs cache misses at scale.
        assert_eq!(std::mem::size_of::<super::PeerView>(), 4);
    }

    /// Every value of the social media grid comes back from its step bit for bit, so a view holds an agent's
    /// use exactly; values off the grid go to the nearest step, and the ends of the score stay put.
    #[test]
    fn social_media_grid_round_trips() {
        use super::*;
        for k in 0..=SOCIAL_MEDIA_STEPS {
            let x = social_media_of_step(k);
            assert_eq!(social_media_step(x), k, "step {k}");
            assert_eq!(social_media_on_grid(x).to_bits(), x.to_bits(), "step {k}");
        }
        assert_eq!(social_media_on_grid(0.0), 0.0);
        assert_eq!(social_media_on_grid(1.0), 1.0);
        assert_eq!(social_media_on_grid(-0.3), 0.0);
        assert_eq!(social_media_on_grid(1.7), 1.0);
        let x = 0.123_456_f32;
        assert!((social_media_on_grid(x) - x).abs() <= 0.5 / SOCIAL_MEDIA_STEPS as f32 + 1e-7);
    }

    /// A view gives back what it was made of, whatever the venue, state and use.
    #[test]
    fn peer_view_round_trips() {
        use super::*;
        for venue in [0, 1, 7, 4_000, NO_VENUE - 1, NO_VENUE] {
            for mental in [MentalState::Well, MentalState::Struggling, MentalState::Crisis] {
                for lived in [false, true] {
                    for k in [0, 1, 4_095, SOCIAL_MEDIA_STEPS] {
                        let sm = social_media_of_step(k);
                        let mut v = PeerView::new(sm, NO_VENUE, mental, lived);
                        v.set_venue_today(venue);
                        assert_eq!(v.venue_today(), venue);
                        assert_eq!(v.mental(), mental);
                        assert_eq!(v.lived_experience(), lived);
                        assert_eq!(v.social_media().to_bits(), sm.to_bits());
                    }
                }
            }
        }
    }
}
