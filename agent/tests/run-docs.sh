#!/bin/bash
# run-docs.sh CLOUDMOVE — the README and cloudmove(8) against the agent, so
# that they cannot drift apart again:
#   * every kernel command line key the README names (cloudmove=,
#     cloudmove.*, rd.cloudmove.*) is known to the agent's parser — asked
#     through `cloudmove boot --cmdline FILE`, which warns "unknown key" —
#     and is in cloudmove(8); a key the parser does not know is allowed only
#     in a paragraph that says "planned";
#   * every key the parser knows (the .name = "..." rows of the key table
#     in agent/src/boot/cmdline.c, each confirmed by the agent) is in
#     cloudmove(8) and in the README;
#   * every subcommand the README names as `cloudmove WORD` (in backquotes)
#     is one the agent dispatches, and is in cloudmove(8)'s synopsis; every
#     command of `cloudmove --help` is named in the README;
#   * every path the README names under the repository's directories exists
#     (NAME and WHAT are placeholders), and none is outside it (../);
#   * every --format list of cloudmove(8)'s synopses is the agent's (its
#     encoder registry's, as --help gives it);
#   * every CM_*_MAX cap is defined in a header (doc/design.md, "Caps");
#   * the README stays short (reference goes to cloudmove(8), design to doc/).
# The checker is first run on a README with a bogus key added: it must fail
# naming it.  Needs groff (man-db).  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-docs.sh CLOUDMOVE}")
top=$(cd "$(dirname "$0")/../.." && pwd)
readme=${CM_DOCS_README:-$top/README}
man8=$top/doc/cloudmove.8
readme_max_lines=220
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

if ! groff -man -Tascii -rLL=5000n -rHY=0 -P-cbou "$man8" >"$tmp/man.txt" 2>/dev/null ||
	[ ! -s "$tmp/man.txt" ]; then
	fail "cloudmove(8)" "groff cannot render $man8"
	suite_end
fi

# parser_knows KEY — 0 unless the agent's parser calls KEY unknown.  No
# root: `boot` prints the command line's warnings, then stops.
parser_knows() {
	printf '%s=x\n' "$1" >"$tmp/cmdline"
	"$bin" boot --root "$tmp/no-root" --cmdline "$tmp/cmdline" >"$tmp/boot.out" 2>/dev/null
	! grep -qF "warning: $1: unknown key" "$tmp/boot.out"
}

# agent_dispatches WORD — 0 when `cloudmove WORD` is a command.
agent_dispatches() {
	local said
	said=$("$bin" "$1" --no-such-option 2>&1)
	[[ $said != *"unknown command"* ]]
}

# in_man KEY — the rendered man page names KEY (as KEY= or as a word; the
# bare key "cloudmove" only as cloudmove=).
in_man() {
	local after='([^A-Za-z0-9_.]|\.[^A-Za-z0-9_]|\.?$)'
	[ "$1" = cloudmove ] && after='='
	grep -qE "(^|[^A-Za-z0-9_.])${1//./\\.}$after" "$tmp/man.txt"
}

# readme_keys FILE — "KEY<TAB>planned" per key named, planned 1 when the
# paragraph naming it says "planned".  cloudmove.service is a unit's name.
readme_keys() {
	awk 'BEGIN { RS = "" }
	{
		planned = tolower($0) ~ /planned/
		text = $0
		while (match(text, /(^|[^A-Za-z0-9_.\/-])((rd\.)?cloudmove(\.[a-z_]+)+|cloudmove=)/)) {
			m = substr(text, RSTART, RLENGTH)
			text = substr(text, RSTART + RLENGTH)
			sub(/^[^A-Za-z]/, "", m)
			sub(/=$/, "", m)
			if (m != "cloudmove.service")
				print m "\t" planned
		}
	}' "$1" | sort -u
}

# readme_subcommands FILE — "WORD<TAB>planned" per `cloudmove WORD` named
# (in backquotes), as readme_keys.
readme_subcommands() {
	awk 'BEGIN { RS = "" }
	{
		planned = tolower($0) ~ /planned/
		text = $0
		while (match(text, /`cloudmove [a-z][a-z-]*/)) {
			m = substr(text, RSTART + 11, RLENGTH - 11)
			text = substr(text, RSTART + RLENGTH)
			print m "\t" planned
		}
	}' "$1" | sort -u
}

# check_readme FILE LABEL — the README's keys against the parser and the
# man page; one ok or FAIL line per check.
check_readme() {
	local file=$1 label=$2 key planned unknown='' unplanned='' absent='' n=0 np=0
	while IFS=$'\t' read -r key planned; do
		if ! parser_knows "$key"; then
			# planned in one paragraph does not excuse another
			[ "$planned" = 1 ] && np=$((np + 1)) || unknown+=" $key"
			continue
		fi
		n=$((n + 1))
		in_man "$key" || absent+=" $key"
	done < <(readme_keys "$file")
	for key in $unknown; do
		unplanned+=" $key (line $(grep -nF "$key" "$file" | head -1 | cut -d: -f1))"
	done
	if [ -z "$unknown" ] && [ -z "$absent" ] && [ $((n + np)) -gt 0 ]; then
		ok "$label: its $n kernel command line keys are the parser's and in cloudmove(8) ($np more said planned)"
	else
		[ -n "$unknown" ] && fail "$label" "names keys the agent's parser does not know, without saying planned:$unplanned"
		[ -n "$absent" ] && fail "$label" "names keys cloudmove(8) lacks:$absent"
		[ $((n + np)) -eq 0 ] && fail "$label" "names no kernel command line key at all"
	fi
}

# --- the checker itself: a bogus key must fail, naming it ---------------------
cp "$readme" "$tmp/README.bogus"
printf '\nAlso: cloudmove.bogus_key=1 does wonders.\n' >>"$tmp/README.bogus"
# (in a subshell: its ok/FAIL lines are not this suite's counts)
(check_readme "$tmp/README.bogus" "bogus") >"$tmp/bogus.out"
if grep -q "^FAIL bogus: .*cloudmove.bogus_key" "$tmp/bogus.out"; then
	ok "a README naming cloudmove.bogus_key fails, naming it"
else
	fail "self-test" "a bogus key went through: $(cat "$tmp/bogus.out")"
fi
printf '\nThe planned cloudmove.bogus_key=1 will do wonders.\n' >"$tmp/README.planned"
(check_readme "$tmp/README.planned" "planned") >"$tmp/planned.out"
grep -q "^ok" "$tmp/planned.out" && ok "a key in a paragraph saying planned is allowed" ||
	fail "self-test" "planned key refused: $(cat "$tmp/planned.out")"

# --- the README's keys -----------------------------------------------------------
check_readme "$readme" "README"

# --- the parser's keys -----------------------------------------------------------
# Found in cmdline.c, each confirmed by the agent (a key the grep finds and
# the agent calls unknown means the grep is wrong).
keys=$(grep -oE '\.name = "[A-Za-z0-9_.]+"' "$top/agent/src/boot/cmdline.c" |
	grep -oE '"[^"]+"' | tr -d '"' | sort -u)
readme_has=" $(readme_keys "$readme" | cut -f1 | tr '\n' ' ')"
notknown='' noman='' noreadme=''
for key in $keys; do
	parser_knows "$key" || notknown+=" $key"
	in_man "$key" || noman+=" $key"
	[[ $readme_has == *" $key "* ]] || noreadme+=" $key"
done
nkeys=$(wc -w <<<"$keys")
if [ "$nkeys" -lt 10 ] || [ -n "$notknown" ]; then
	fail "parser keys" "found $nkeys in cmdline.c; the agent calls unknown:$notknown"
else
	ok "cmdline.c's $nkeys keys, each known to the agent"
fi
[ -z "$noman" ] && ok "every key the parser knows is in cloudmove(8)" ||
	fail "cloudmove(8)" "lacks keys the parser knows:$noman"
[ -z "$noreadme" ] && ok "every key the parser knows is in the README's list" ||
	fail "README" "lacks keys the parser knows:$noreadme"

# --- subcommands -----------------------------------------------------------------
helped=$("$bin" --help | awk '/^  [a-z]+ / { print $1 }' | sort -u)
named=' ' unknown='' noman='' unnamed='' n=0 np=0
while IFS=$'\t' read -r c planned; do
	if ! agent_dispatches "$c"; then
		[ "$planned" = 1 ] && np=$((np + 1)) ||
			unknown+=" $c (line $(grep -nF "\`cloudmove $c" "$readme" | head -1 | cut -d: -f1))"
		continue
	fi
	[[ $named == *" $c "* ]] && continue
	named+="$c " n=$((n + 1))
	grep -qE "^ +cloudmove $c( |\$)" "$tmp/man.txt" || noman+=" $c"
done < <(readme_subcommands "$readme")
for c in $helped; do
	[[ $named == *" $c "* ]] || unnamed+=" $c"
done
[ "$n" -gt 0 ] && [ -z "$unknown" ] &&
	ok "the README's $n subcommands are the agent's ($np more said planned)" ||
	fail "README" "names subcommands the agent does not have:${unknown:- (none named at all)}"
[ -z "$noman" ] && ok "each is in cloudmove(8)'s synopsis" ||
	fail "cloudmove(8)" "synopsis lacks subcommands the README names:$noman"
[ -n "$helped" ] && [ -z "$unnamed" ] &&
	ok "the README names all $(wc -w <<<"$helped") commands of cloudmove --help" ||
	fail "README" "does not name (as \`cloudmove WORD\`) commands of --help:$unnamed"

# --- image formats --------------------------------------------------------------
# The agent's usage lists them from its encoder registry; each --format the
# man page's synopses give must be that list.
formats=$("$bin" --help | grep -oE -- '--format [a-z|]+' | sort -u | cut -d' ' -f2)
man_formats=$(grep -oE '^\.OP \\-\\-format [a-z|]+' "$man8" | awk '{ print $3 }' | sort -u)
[ -n "$formats" ] && [ "$formats" = "$man_formats" ] &&
	ok "cloudmove(8)'s --format lists are the agent's: $formats" ||
	fail "cloudmove(8)" "--format lists '$(echo $man_formats)', the agent's usage '$formats'"

# --- caps ---------------------------------------------------------------------------
# doc/design.md ("Caps") and limits.h: a CM_*_MAX is defined in a header,
# so that a grep of the headers finds every cap other files see.
in_c=$(grep -rlE '#define CM_[A-Z0-9_]*_MAX\b' "$top/agent/src" --include='*.c' | sed "s|$top/||")
[ -z "$in_c" ] && ok "every CM_*_MAX is defined in a header" ||
	fail "caps" "CM_*_MAX defined in .c files (a header, or a file-local name): $(echo $in_c)"

# --- paths -------------------------------------------------------------------------
missing=''
for p in $(grep -oE '(^|[^A-Za-z0-9_./-])(agent|doc|bench|hooks|images|qemu-tests|dracut-module|\.ci)/[A-Za-z0-9_./-]*' "$readme" |
	sed -E 's/^[^A-Za-z.]//; s/[.,)]+$//' | grep -vE 'NAME|WHAT' | sort -u); do
	[ -e "$top/$p" ] || missing+=" $p"
done
[ -z "$missing" ] && ok "every path the README names exists" ||
	fail "README" "names paths that do not exist:$missing"
outside=$(grep -nE '(^|[ (`])\.\./' "$readme" | cut -d: -f1 | tr '\n' ' ')
[ -z "$outside" ] && ok "the README points at nothing outside the repository (../)" ||
	fail "README" "points outside the repository (../) on lines: $outside"

lines=$(wc -l <"$readme")
[ "$lines" -le "$readme_max_lines" ] && ok "README: $lines lines (at most $readme_max_lines)" ||
	fail "README" "$lines lines, over $readme_max_lines: reference belongs in cloudmove(8), design in doc/"
suite_end
