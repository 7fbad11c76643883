//! The rules for names a user writes: a scenario's or sweep's `name` becomes a folder under `output/`, and a
//! district's or venue's name appears in group names (`district:NAME/service_users`), CSV files and chart
//! file names. docs/errors.md lists the rules; `validate` checks them with file and line.

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest name accepted, in bytes of UTF-8: a name becomes part of a file name (`time_district_NAME_…`),
/// and file systems allow 255 bytes.
pub const MAX_NAME_BYTES: usize = 128;

/// What a name is used for, which decides the characters it may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A scenario's or a sweep's name: the default output folder `output/NAME`.
    Folder,
    /// A district's or a venue's name.
    Place,
}

impl NameKind {
    fn rule(self) -> &'static str {
        match self {
            NameKind::Folder => {
                "it names the output folder, so it is 1–64 letters (at most 128 bytes), digits, `_`, `-` or \
                 `.`, starting with a letter, digit or `_`"
            }
            NameKind::Place => {
                "it is 1–64 letters (at most 128 bytes), digits, spaces, `_`, `-`, `.` or `'`, starting with a \
                 letter, digit or `_`, without a space at either end or two in a row"
            }
        }
    }

    fn allows(self, c: char) -> bool {
        c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || (self == NameKind::Place && matches!(c, ' ' | '\''))
    }
}

/// Checks a name; the error says what is wrong and what the rule is.
pub fn check_name(name: &str, kind: NameKind) -> Result<(), String> {
    let shown = shown(name);
    let chars = name.chars().count();
    let problem = if name.is_empty() {
        Some("must not be empty".to_string())
    } else if chars > MAX_NAME_CHARS {
        Some(format!("is {chars} characters long"))
    } else if name.len() > MAX_NAME_BYTES {
        Some(format!("is {} bytes long in UTF-8, more than {MAX_NAME_BYTES}", name.len()))
    } else if let Some(c) = name.chars().find(|c| !kind.allows(*c)) {
        Some(format!("`{shown}` holds {}", describe(c)))
    } else if !name.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        Some(format!("`{shown}` starts with {}", describe(name.chars().next().unwrap_or(' '))))
    } else if name.ends_with(' ') || name.contains("  ") {
        Some(format!("`{shown}` has a space at its end or two in a row"))
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(format!("{p}; {}", kind.rule())),
    }
}

/// A name made from a file's stem when the file gives none: characters a folder name may not hold become
/// `_`, so the stem of any file name gives a valid name.
pub fn folder_name_from_stem(stem: &str) -> String {
    let mut out: String =
        stem.chars().take(MAX_NAME_CHARS).map(|c| if NameKind::Folder.allows(c) { c } else { '_' }).collect();
    if !out.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        out.replace_range(..out.chars().next().map_or(0, char::len_utf8), "_");
    }
    if out.is_empty() {
        out = "scenario".into();
    }
    out
}

/// A name safe to put in a message: at most 80 characters, control characters escaped.
fn shown(name: &str) -> String {
    let mut s: String = name.chars().take(80).flat_map(char::escape_debug).collect();
    if name.chars().count() > 80 {
        s.push('…');
    }
    s
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '/' | '\\' => format!("`{c}`, a path separator"),
        c if c.is_control() => format!("the control character {}", c.escape_debug()),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_cannot_leave_the_output_folder() {
        for bad in ["", ".", "..", "../../x", "/abs", "a/b", "a\\b", ".hidden", "-flag", "a b", "x\0y", "\n"] {
            assert!(check_name(bad, NameKind::Folder).is_err(), "{bad:?} accepted");
        }
        assert!(check_name(&"a".repeat(65), NameKind::Folder).is_err());
        assert!(check_name(&"漢".repeat(50), NameKind::Folder).unwrap_err().contains("150 bytes"));
        for good in ["venue_closure", "Grünerløkka-2026", "_draft", "v1.2", &"a".repeat(64)] {
            assert!(check_name(good, NameKind::Folder).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn place_names_allow_spaces_inside_but_not_group_syntax() {
        for good in ["Gamle Oslo", "St. Hanshaugen", "Bjørvika's café", "north"] {
            assert!(check_name(good, NameKind::Place).is_ok(), "{good:?} refused");
        }
        for bad in ["", " north", "north ", "a  b", "a/b", "district:x", "a,b", "\"q\""] {
            assert!(check_name(bad, NameKind::Place).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_name_from_any_stem_is_a_valid_folder_name() {
        let long = "ø".repeat(100);
        for stem in ["..", ".x", "my town", "", "a/b", "-x", "ok", long.as_str()] {
            let n = folder_name_from_stem(stem);
            assert!(check_name(&n, NameKind::Folder).is_ok(), "{stem:?} gave {n:?}");
        }
        assert_eq!(folder_name_from_stem("venue_closure"), "venue_closure");
    }
}
