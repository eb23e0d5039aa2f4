#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-completion.sh SRCDIR CARDTOOL [CARDSIM]: drive the bash completion
# functions the way bash does (COMP_WORDS/COMP_CWORD) and check what they
# offer against the built tools.
set -u
src=$1 cardtool=$2 cardsim=${3:-}
fail=0
# shellcheck source=/dev/null
source "$src/cardtool"

complete_words() { # FUNCTION WORD... : COMPREPLY for the last word, sorted, one per line
	local fn=$1; shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	"$fn"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() { # DESCRIPTION EXPECTED ACTUAL
	if [ "$2" != "$3" ]; then
		printf 'check-completion: %s\n  expected: %s\n  got:      %s\n' "$1" "$(echo $2)" "$(echo $3)" >&2
		fail=1
	fi
}

commands=$("$cardtool" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | sort)
[ -n "$commands" ] || { echo "check-completion: cardtool --help lists no commands" >&2; exit 1; }
expect "cardtool <TAB> offers every command" "$commands" "$(complete_words _cardtool "$cardtool" "")"
expect "cardtool --reader X <TAB> still offers the commands" "$commands" \
	"$(complete_words _cardtool "$cardtool" --reader sim:x.json "")"
expect "cardtool --js<TAB>" "--json" "$(complete_words _cardtool "$cardtool" --js)"
expect "cardtool ap<TAB>" "apdu" "$(complete_words _cardtool "$cardtool" ap)"
expect "cardtool apdu --scr<TAB>" "--script" "$(complete_words _cardtool "$cardtool" apdu --scr)"
if printf '%s\n' "$commands" | grep -qx pin; then
	expect "cardtool pin <TAB> offers its subcommands" "$(printf '%s\n' change tries unblock verify)" \
		"$(complete_words _cardtool "$cardtool" pin "")"
	expect "cardtool --json pin ve<TAB>" "verify" "$(complete_words _cardtool "$cardtool" --json pin ve)"
fi
for cmd in $commands; do
	opts=$("$cardtool" "$cmd" --help 2>&1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	expect "cardtool $cmd --<TAB>" "$opts" "$(complete_words _cardtool "$cardtool" "$cmd" --)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/cards"
touch "$tmp/cards/healthy-v3.json" "$tmp/cards/mute.json" "$tmp/cards/notes.txt"
expect "cardtool --reader sim:<dir>/h<TAB>" "sim:$tmp/cards/healthy-v3.json" \
	"$(complete_words _cardtool "$cardtool" --reader "sim:$tmp/cards/h")"
expect "cardtool --reader s<TAB> offers sim:" "sim:" \
	"$(complete_words _cardtool "$cardtool" --reader s)"

if printf '%s\n' "$commands" | grep -qx auth; then
	expect "cardtool auth --df D<TAB>" "$(printf 'DF0%s\n' 1 2 3 4 5 6 7)" \
		"$(complete_words _cardtool "$cardtool" auth --df D)"
fi
expect "cardtool monitor --count <TAB> offers nothing" "" \
	"$(complete_words _cardtool "$cardtool" monitor --count "")"

if [ -n "$cardsim" ]; then
	# shellcheck source=/dev/null
	source "$src/cardsim"
	opts=$("$cardsim" --help 2>&1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	expect "cardsim --<TAB>" "$opts" "$(complete_words _cardsim "$cardsim" --)"
	expect "cardsim <dir>/<TAB> offers profiles only" \
		"$(printf '%s\n' "$tmp/cards/healthy-v3.json" "$tmp/cards/mute.json")" \
		"$(complete_words _cardsim "$cardsim" "$tmp/cards/")"
	expect "cardsim --port <TAB> offers nothing" "" "$(complete_words _cardsim "$cardsim" --port "")"
fi
[ $fail -eq 0 ] && echo "check-completion: $(echo $commands | wc -w) cardtool commands${cardsim:+ and cardsim} complete as expected"
exit $fail
