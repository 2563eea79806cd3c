// Package sqltext finds whole words in SQL text in one pass, where a
// case-insensitive \b(...)\b regular expression backtracks over the whole
// text: apply asks such questions of every file and statement it runs.
package sqltext

// IsWordByte reports whether b is an ASCII word character, as \b sees it.
func IsWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// HasWord reports whether s holds one of words (ASCII) as a whole word, in
// any case: what (?i)\b(?:word|...)\b matches.
func HasWord[S ~string | ~[]byte](s S, words ...string) bool {
	for i := 0; i < len(s); {
		if !IsWordByte(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && IsWordByte(s[j]) {
			j++
		}
		for _, w := range words {
			if equalFold(s[i:j], w) {
				return true
			}
		}
		i = j
	}
	return false
}

// equalFold reports whether s and w are equal, ASCII letters in any case.
func equalFold[S ~string | ~[]byte](s S, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for k := 0; k < len(s); k++ {
		a, b := s[k], w[k]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
