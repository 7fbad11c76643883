//! Checks of option values, run by clap as it parses, so a bad value is refused before any work with a
//! message that says what is accepted (`--seed -1` is a value out of range, not an unknown option).

/// The largest seed: 2^53 − 1, so every seed is exact wherever it is read as a floating-point number (JSON,
/// TOML readers, spreadsheets), as `run.seed` is.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// A whole number in `lo..=hi`, or a message naming the range.
fn whole(text: &str, lo: u64, hi: u64, what: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(format!("must be a whole number from {lo} to {hi}{what}")),
    }
}

pub fn seed_arg(text: &str) -> Result<u64, String> {
    whole(text, 0, MAX_SEED, " (2^53 − 1, as for run.seed)")
}

pub fn replicates_arg(text: &str) -> Result<u32, String> {
    whole(text, 1, 100_000, "").map(|v| v as u32)
}

/// Threads: at least one; more than the machine's cores is capped when the run starts.
pub fn threads_arg(text: &str) -> Result<usize, String> {
    whole(text, 1, u32::MAX as u64, "").map(|v| v as usize)
}

pub fn count_arg(text: &str) -> Result<usize, String> {
    whole(text, 1, u32::MAX as u64, "").map(|v| v as usize)
}

pub fn days_arg(text: &str) -> Result<u32, String> {
    whole(text, 1, 36_500, "").map(|v| v as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_out_of_range_say_what_is_accepted() {
        assert_eq!(seed_arg("42"), Ok(42));
        assert_eq!(seed_arg(&MAX_SEED.to_string()), Ok(MAX_SEED));
        for bad in ["-1", "9007199254740992", "1e3", "", "x", "18446744073709551616"] {
            assert!(seed_arg(bad).unwrap_err().contains("from 0 to 9007199254740991"), "{bad}");
        }
        assert!(replicates_arg("0").is_err() && threads_arg("0").is_err() && days_arg("36501").is_err());
    }
}
