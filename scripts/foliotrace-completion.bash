# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for foliotrace: commands, their options and some option
# values.  Installed by `make install` as
# $(PREFIX)/share/bash-completion/completions/foliotrace.
#
# The commands and options are read from the binary's own help
# (`foliotrace --help`, `foliotrace CMD --help`), once per shell, so they
# never disagree with the binary; so are the verdicts and the model
# variants (from the lists its error lines give); the other values that
# are fixed lists are given here.

_foliotrace_cmds=
declare -gA _foliotrace_opts 2>/dev/null || true

_foliotrace_commands()
{
	if [ -z "$_foliotrace_cmds" ]; then
		_foliotrace_cmds=$("$1" --help 2>/dev/null |
			awk '/^commands:/ { c = 1; next } /^$/ { c = 0 } c && /^   [a-z]/ { print $1 }')
	fi
	printf '%s\n' $_foliotrace_cmds help version
}

_foliotrace_options()
{
	local bin=$1 cmd=$2

	if [ -z "${_foliotrace_opts[$cmd]}" ]; then
		_foliotrace_opts[$cmd]=$("$bin" "$cmd" --help 2>/dev/null |
			grep -oE '(^|[ ,[])--?[a-zA-Z][a-zA-Z0-9-]*' |
			sed -E 's/^[ ,[]//' | sort -u | tr '\n' ' ')
	fi
	printf '%s\n' ${_foliotrace_opts[$cmd]}
}

# The list an error line gives in parentheses ("unknown verdict '?' (loss,
# hit, ...)"): the binary's own vocabulary; $2 when there is none.
_foliotrace_list()
{
	local bin=$1 fallback=$2 got
	shift 2
	got=$("$bin" "$@" 2>&1 >/dev/null | sed -n "s/.*'?' (\([^)]*\)).*/\1/p" | tr -d ,)
	echo "${got:-$fallback}"
}

_foliotrace()
{
	local cur prev bin cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	bin=${COMP_WORDS[0]}

	# the command: the first word after the global options
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-v|--verbose) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-V --version -h --help -v --verbose" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_foliotrace_commands "$bin")" -- "$cur"))
		fi
		return 0
	fi
	if [ "$cmd" = help ]; then
		COMPREPLY=($(compgen -W "$(_foliotrace_commands "$bin")" -- "$cur"))
		return 0
	fi

	# values of the options that take a fixed list
	case $prev in
	--format) COMPREPLY=($(compgen -W "perfetto csv" -- "$cur")); return 0 ;;
	--what) COMPREPLY=($(compgen -W "events windows" -- "$cur")); return 0 ;;
	--verdict)
		COMPREPLY=($(compgen -W "$(_foliotrace_list "$bin" "loss hit dropped unsafe unknown \
			protected" windows --verdict '?' /dev/null)" -- "$cur"))
		return 0 ;;
	--family)
		COMPREPLY=($(compgen -W "$(_foliotrace_list "$bin" "delalloc_punch stale_iomap folio_loss" \
			windows --family '?' /dev/null)" -- "$cur"))
		return 0 ;;
	--model|--variant)
		local m
		m=$(_foliotrace_list "$bin" "prefix fix v6.2 upstream all" replay --model '?' \
			--scenario x)
		[ "$prev" = --variant ] && m=${m/ all/}
		COMPREPLY=($(compgen -W "$m" -- "$cur"))
		return 0 ;;
	--preset|-p) [ "$cmd" = record ] && { COMPREPLY=($(compgen -W "xfs-delalloc" -- "$cur"))
		return 0; } ;;
	--scenario)
		COMPREPLY=($(compgen -W "$("$bin" replay --list 2>/dev/null | awk '{ print $1 }')" \
			-- "$cur"))
		return 0 ;;
	--output|-o|--dat|--scenario-file)
		COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
	--ino|--index|--window|--top|-n|--max-detail|--max-list|--budget|--runs|--seed|\
	--preemptions|--pct|--timeout|--replay-timeout|--from|--to|--duration|--decoder-mem|\
	--decoder-cpu|--decoder-timeout|--max-events|--max-db-size|--max-memory|--buffer-kb|\
	--event|-e|--instance|--clock|--dev|--uname-version|--schedule)
		return 0 ;;	# a value the user types
	esac
	case $cur in
	--explore=*)
		COMPREPLY=($(compgen -P "--explore=" -W "dpor states" -- "${cur#--explore=}"))
		return 0 ;;
	-*)
		COMPREPLY=($(compgen -W "$(_foliotrace_options "$bin" "$cmd")" -- "$cur"))
		return 0 ;;
	esac
	# operands: trace files for import, databases for the others
	if [ "$cmd" = import ]; then
		COMPREPLY=($(compgen -f -X '!*.dat' -- "$cur") $(compgen -d -- "$cur"))
	elif [ "$cmd" != record ]; then
		COMPREPLY=($(compgen -f -X '!*.db' -- "$cur") $(compgen -d -- "$cur"))
	fi
	return 0
}

complete -F _foliotrace foliotrace
