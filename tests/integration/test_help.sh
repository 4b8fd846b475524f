#!/usr/bin/env bash
# --help and the man page come from main.c's one command table and one flag
# table: every command and flag --help lists is in the man page (and no
# other), the page renders with groff without a warning, and make man writes
# it. A command or flag added to one place only fails here.
set -uo pipefail
. "$HERE/lib.sh"

help=$("$BIN" --help) || bad "--help: exit $?"
man=$("$BIN" --help-man) || bad "--help-man: exit $?"

# From --help: "  NAME     text" under Commands:, "  --NAME=ARG   text" under Flags:.
help_cmds=$(awk '/^Commands:/{c=1;next} /^Flags:/{c=0} c && /^  [a-z]/{print $1}' <<< "$help" | sort)
help_flags=$(grep -oE '^  --[a-z.-]+' <<< "$help" | sed 's/^  --//' | sort)
# From the page: ".B NAME" after .SH COMMANDS; "\fB\-\-NAME\fR=ARG" or ".B \-\-NAME"
# (-h, --help is in neither list).
man_cmds=$(awk '/^\.SH COMMANDS/{c=1;next} /^\.SH /{c=0} c && /^\.B /{print $2}' <<< "$man" | sort)
man_flags=$(grep -oE '^(\\fB|\.B )\\-\\-[^=[:space:]]+' <<< "$man" |
    sed -E 's/^(\\fB|\.B )\\-\\-//; s/\\fR$//; s/\\-/-/g' | sort)

[ "$(wc -l <<< "$help_cmds")" -ge 8 ] || bad "--help lists only: $help_cmds"
[ "$help_cmds" = "$man_cmds" ] && ok "the man page has the commands of --help" ||
    bad "commands differ: --help [$(echo $help_cmds)] man [$(echo $man_cmds)]"
[ "$help_flags" = "$man_flags" ] && ok "the man page has the flags of --help" ||
    bad "flags differ: --help [$(echo $help_flags)] man [$(echo $man_flags)]"

warn=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z <<< "$man" 2>&1)
[ -z "$warn" ] && ok "groff renders the page without a warning" || bad "groff: $warn"
text=$(groff -man -Tascii -P-bcou <<< "$man" 2>/dev/null)
grep -q -- '--config.file=PATH' <<< "$text" && grep -q 'SLO-SIDECAR(1)' <<< "$text" &&
    ok "the rendered page reads --config.file=PATH under SLO-SIDECAR(1)" ||
    bad "rendered page lacks its title or --config.file=PATH"
exit $FAILED
