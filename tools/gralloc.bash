# bash completion for gralloc(1)                           -*- shell-script -*-
# SPDX-License-Identifier: MIT
# Commands come from `gralloc help` and formats from `gralloc formats`, so
# new ones complete without editing this file.

_gralloc()
{
	local cur prev words cword
	_init_completion || return

	local i cmd=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--config | --display) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	case $prev in
	--config | --output)
		_filedir
		return
		;;
	--display | --device)
		COMPREPLY=($(compgen -W "$(compgen -G '/dev/dri/card*')" -- "$cur"))
		return
		;;
	--driver)
		COMPREPLY=($(compgen -W "vkms virtio_gpu i915 amdgpu msm vc4 rockchip" -- "$cur"))
		return
		;;
	-f | --format)
		COMPREPLY=($(compgen -W "$("${words[0]}" formats 2>/dev/null |
			awk 'NR > 1 { print $1; print $3 }')" -- "$cur"))
		return
		;;
	-u | --usage)
		local names="cpu_read_rarely cpu_read_often cpu_write_rarely cpu_write_often
			gpu_texture gpu_render_target gpu_data_buffer composer_overlay scanout
			cursor video_encoder video_decoder camera_write camera_read protected
			front_buffer linear cpu_read cpu_write cpu texture render overlay camera"
		local prefix=""
		[[ $cur == *,* ]] && prefix=${cur%,*},
		COMPREPLY=($(compgen -P "$prefix" -W "$names" -- "${cur##*,}"))
		compopt -o nospace
		return
		;;
	-s | --size | -l | --layers | -n | --name | --frames | --heap)
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--config --display --version --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("${words[0]}" help 2>/dev/null |
				awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }')" -- "$cur"))
		fi
		return
	fi

	local opts
	case $cmd in
	info) opts="--json --help" ;;
	alloc) opts="-f -s -u -l -n --format --size --usage --layers --name --json --help" ;;
	explain) opts="-f -s -u -l --format --size --usage --layers --json --help" ;;
	formats) opts="--json --markdown --help" ;;
	bench) opts="--quick --heap --json --help" ;;
	demo) opts="--device --driver --frames --output --copy --help" ;;
	help)
		COMPREPLY=($(compgen -W "$("${words[0]}" help 2>/dev/null |
			awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }')" -- "$cur"))
		return
		;;
	*) opts="--help" ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
} &&
	complete -F _gralloc gralloc

# ex: filetype=sh
