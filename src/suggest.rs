//! "Did you mean": the nearest of the names a word could have been.
//!
//! `set LabelSecurty=true;` is refused with `did you mean 'LabelSecurity'?`: [`nearest`] compares
//! the word, case-insensitively, with every candidate by optimal-string-alignment distance (a
//! swap of two neighbours, `tabel` → `table`, costs one edit) and keeps the closest one within a
//! budget that grows with the word's length — one edit for short words, at most three — so
//! `usr` finds `user` but `x` finds nothing. Ties go to the candidate listed first, so callers
//! order candidates from most to least likely. The same function serves keywords, actions,
//! object kinds, settings and the catalog's real names.

/// The candidate closest to `word`, if any is close enough to be a likely misspelling. An exact
/// (case-insensitive) match is not a suggestion.
pub fn nearest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word = word.to_lowercase();
    let len = word.chars().count();
    let budget = budget(len);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let lower = candidate.to_lowercase();
        if lower == word {
            return None;
        }
        // The distance is at least the difference in length: a candidate that differs by more
        // than the budget cannot be chosen, so it is not measured (every parse error asks).
        if lower.chars().count().abs_diff(len) > budget {
            continue;
        }
        let distance = strsim::osa_distance(&word, &lower);
        if distance <= budget && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `; did you mean '<name>'?` for an error message, or nothing.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    nearest(word, candidates)
        .map(|name| format!("; did you mean '{name}'?"))
        .unwrap_or_default()
}

fn budget(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: &[&str] = &[
        "grant",
        "revoke",
        "select",
        "table",
        "user",
        "LabelSecurity",
    ];

    #[test]
    fn misspellings_find_their_word() {
        for (typo, want) in [
            ("grnt", "grant"),
            ("slect", "select"),
            ("Selct", "select"),
            ("tabel", "table"),
            ("usr", "user"),
            ("LabelSecurty", "LabelSecurity"),
            ("labelsecurity1", "LabelSecurity"),
        ] {
            assert_eq!(nearest(typo, WORDS.iter().copied()), Some(want), "{typo}");
        }
    }

    #[test]
    fn far_or_exact_words_find_nothing() {
        for word in ["x", "us", "project", "GRANT", "frobnicate"] {
            assert_eq!(nearest(word, WORDS.iter().copied()), None, "{word}");
        }
        assert_eq!(did_you_mean("zzz", WORDS.iter().copied()), "");
        assert_eq!(
            did_you_mean("revok", WORDS.iter().copied()),
            "; did you mean 'revoke'?"
        );
    }
}
