
# bash completion for irqchipctl(1): options, the commands of irqchipd's
# protocol and irqchipctl's own (monitor, greeting, top), each command's
# key= arguments not given yet (chip-add's also by chip type), and the
# values of enumerated arguments. Needs only bash (not bash-completion).
_irqchipctl()
{
	local line=${COMP_LINE:0:COMP_POINT} cur cmd= type= word key i
	local -a words
	local -A given=()

	read -ra words <<< "$line"
	if [[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]]; then
		words+=("")
	fi
	cur=${words[${#words[@]} - 1]}
	COMPREPLY=()

	# The options and the command before the word being completed.
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		word=${words[i]}
		if [[ -z $cmd ]]; then
			case $word in
			-s | --socket) ((i++)) ;;
			-*) ;;
			*) cmd=$word ;;
			esac
		else
			key=${word%%=*}
			given[$key]=1
			[[ $key == type && $cmd == chip-add ]] && type=${word#*=}
		fi
	done

	if [[ -z $cmd ]]; then
		case ${words[${#words[@]} - 2]} in
		-s | --socket)
			COMPREPLY=($(compgen -f -- "$cur"))
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-s --socket -j --json --no-resume -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_irqchipctl_commands monitor greeting top" -- "$cur"))
		fi
		return
	fi

	local REPLY args
	if [[ $cur == *=* ]]; then
		key=${cur%%=*}
		_irqchipctl_values "$cmd" "$key" "$type"
		# Readline completes after an '=' that is a word break; else the whole word.
		if [[ $COMP_WORDBREAKS == *=* ]]; then
			COMPREPLY=($(compgen -W "$REPLY" -- "${cur#*=}"))
		else
			COMPREPLY=($(compgen -P "$key=" -W "$REPLY" -- "${cur#*=}"))
		fi
		return
	fi
	if [[ $cmd == top ]]; then
		args="interval count"
	else
		_irqchipctl_args "$cmd"
		args=$REPLY
		if [[ $cmd == chip-add && -n $type ]]; then
			_irqchipctl_chip_args "$type"
			args="$args $REPLY"
		fi
	fi
	local -a left=()
	for key in $args; do
		[[ -n ${given[$key]:-} ]] || left+=("$key=")
	done
	COMPREPLY=($(compgen -W "${left[*]}" -- "$cur"))
	compopt -o nospace 2> /dev/null
}
complete -F _irqchipctl irqchipctl
