//! "Did you mean ...?": the closest known word to a mistyped one.
//!
//! Distance is optimal string alignment (Levenshtein plus swapping two neighbours,
//! so `lsit` is one edit from `list`). It only ranks the candidates it is given; the
//! caller decides which words are valid at that position.

/// The candidate closest to `typed`, if it is close enough to be a likely typo:
/// at most one edit for words up to 5 characters, two up to 8, three beyond.
/// Ties go to the earlier candidate.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = typed.chars().count();
    let limit = len.max(3) / 3;
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        // The distance is at least the difference in length: skip the work when
        // that alone is over the limit (a 1000-character typo costs nothing).
        if len.abs_diff(candidate.chars().count()) > limit {
            continue;
        }
        let d = distance(typed, candidate);
        if d <= limit && best.is_none_or(|(best_d, _)| d < best_d) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, word)| word)
}

/// Optimal-string-alignment distance between `a` and `b`, over characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rolling rows: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_a_swap_of_neighbours_as_one_edit() {
        assert_eq!(distance("lsit", "list"), 1);
        assert_eq!(distance("ca", "ac"), 1);
    }

    #[test]
    fn distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("force", "forse"), 1);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn closest_refuses_words_too_far_away() {
        assert_eq!(closest("xyz", ["list", "use"]), None);
        assert_eq!(closest("lsit", ["add", "list"]), Some("list"));
    }

    #[test]
    fn closest_prefers_the_smaller_distance_then_the_earlier_candidate() {
        assert_eq!(closest("uses", ["usage", "use"]), Some("use"));
        assert_eq!(closest("ab", ["ax", "ay"]), Some("ax"));
    }
}
