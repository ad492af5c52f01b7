# bash completion for postern (and sendmail, mailq, newaliases when they
# are links to it). Installed as $(datadir)/bash-completion/completions/
# postern; or source it from ~/.bashrc.
#
# Completes options, account names (from -C FILE, else
# ~/.config/postern/config, else ~/.msmtprc), the words of -B, -N and -R,
# files after -C and queue IDs after --queue-run and --queue-delete.

# Account names in the configuration the command line would use.
_postern_accounts()
{
	local conf="" w i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -C ]]; then
			conf=${COMP_WORDS[i + 1]}
		elif [[ $w == -C?* ]]; then
			conf=${w#-C}
		fi
	done
	conf=${conf/#\~/$HOME}
	if [[ -z $conf ]]; then
		conf=${XDG_CONFIG_HOME:-$HOME/.config}/postern/config
		[[ -r $conf ]] || conf=$HOME/.msmtprc
	fi
	[[ -r $conf ]] || return 0
	command sed -n 's/^[[:space:]]*account[[:space:]]\{1,\}\([^[:space:]:]\{1,\}\).*/\1/p' \
		"$conf" 2>/dev/null
}

# IDs of the entries in the default queue directory.
_postern_queue_ids()
{
	local dir=${XDG_STATE_HOME:-$HOME/.local/state}/postern/queue/new f
	for f in "$dir"/*.env; do
		[[ -e $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.env}"
	done
}

_postern()
{
	local cur prev words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=""
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	case $prev in
	-a | --account | --store-password | --forget-password | --print-config | \
		--doctor | --serverinfo | --requeue-failed | --purge-failed | --authorize)
		words=$(_postern_accounts)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
		;;
	-C | -X)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return 0
		;;
	-B)
		COMPREPLY=($(compgen -W "7BIT 8BITMIME" -- "$cur"))
		return 0
		;;
	-N)
		COMPREPLY=($(compgen -W "never success failure delay
			success,failure success,failure,delay failure,delay" \
			-- "$cur"))
		return 0
		;;
	-R)
		COMPREPLY=($(compgen -W "full hdrs" -- "$cur"))
		return 0
		;;
	--queue-run | --queue-delete)
		words=$(_postern_queue_ids)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
		;;
	--probe-host)
		COMPREPLY=($(compgen -A hostname -- "$cur"))
		return 0
		;;
	-f | -r | -F | -V | -O | -L | -h | -p | --configure | --probe-ports | \
		--probe-timeout)
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		words="-t -i -oi -f -r -F -a --account -C -B -N -R -V -odq -v -vv
			-bm -bi -I -bp -q -qf -bs --flush --dry-run --print-config
			--store-password --password-stdin --forget-password
			--queue-run --queue-delete --requeue-failed --purge-failed
			--authorize --device
			--json --system --watch --doctor --no-login
			--serverinfo --configure --write --probe-host --probe-ports
			--probe-timeout --trace-timing --version --help --"
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	fi
	return 0
}
complete -F _postern postern sendmail
complete -W "-bp --json --system -v" mailq
