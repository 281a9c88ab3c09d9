package rhai

// stableSort sorts s stably by cmp: up to maxInsertionSort elements as
// Rust (and so stock Rhai) does, by insertion, else with a top-down merge
// sort. Sorting with
// a script comparator costs a script call per comparison, so what counts is
// the number of comparisons: a merge sort makes at most n·log2(n) of them
// (and n-1 on sorted input), where slices.SortStableFunc's in-place
// insertion-and-rotation merge makes several times as many. The result is
// the same for any consistent comparator: stable order is unique.
//
// Its signature is slices.SortStableFunc's, so it can stand in for it.
func stableSort[T any](s []T, cmp func(a, b T) int) {
	if len(s) < 2 {
		return
	}
	if len(s) <= maxInsertionSort {
		insertionSort(s, cmp)
		return
	}
	buf := make([]T, len(s))
	mergeSort(s, buf, cmp)
	clear(buf)
}

// mergeSort sorts s using buf (at least as long) as scratch.
func mergeSort[T any](s, buf []T, cmp func(a, b T) int) {
	n := len(s)
	if n < 2 {
		return
	}
	mid := n / 2
	mergeSort(s[:mid], buf, cmp)
	mergeSort(s[mid:], buf, cmp)
	if cmp(s[mid], s[mid-1]) >= 0 {
		return // already in order
	}
	left := buf[:mid]
	copy(left, s[:mid])
	i, j, k := 0, mid, 0
	for i < len(left) && j < n {
		// Take from the right only when strictly smaller: stable.
		if cmp(s[j], left[i]) < 0 {
			s[k] = s[j]
			j++
		} else {
			s[k] = left[i]
			i++
		}
		k++
	}
	copy(s[k:], left[i:])
}

// maxInsertionSort is the length up to which Rust's stable sort (so stock
// Rhai's) is an insertion sort. A comparer with side effects (a print) or
// an inconsistent one (an error, which Rhai takes for "equal") sees the
// same calls, in the same order, and gives the same result.
const maxInsertionSort = 20

// insertionSort is Rust's insertion_sort_shift_left: each element in turn
// moves left past the elements it is less than, compared as cmp(it, them).
func insertionSort[T any](s []T, cmp func(a, b T) int) {
	for i := 1; i < len(s); i++ {
		if cmp(s[i], s[i-1]) >= 0 {
			continue
		}
		tmp := s[i]
		j := i
		for {
			s[j] = s[j-1]
			j--
			if j == 0 || cmp(tmp, s[j-1]) >= 0 {
				break
			}
		}
		s[j] = tmp
	}
}
