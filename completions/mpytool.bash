# bash completion for mpytool. Commands, options and argument kinds come from the tool itself
# (`mpytool _commands`, `_options [CMD]`, `_args CMD`), so plugins complete too; serial ports
# from `mpytool ports`; board paths (words starting with ':') from `mpytool -p PORT _paths :DIR`
# with the connection options of the line being completed.

# The words of the line up to the cursor as the shell sees them. bash splits words at the
# characters of COMP_WORDBREAKS too (':', '=', '@'): `-a 127.0.0.1:8266` arrives as `-a`,
# `127.0.0.1`, `:`, `8266`, and `:/app` as `:`, `/app`. Pieces with no blank between them in
# COMP_LINE are one word again (what bash-completion's `_get_comp_words_by_ref -n :` does,
# without needing bash-completion). Sets _mpytool_words and _mpytool_cword.
_mpytool_reassemble() {
  local line=${COMP_LINE:0:COMP_POINT} i w pos=0 n=-1 blank
  _mpytool_words=()
  _mpytool_cword=0
  for ((i = 0; i <= COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    blank=0
    while [[ $pos -lt ${#line} && ${line:pos:1} == [[:space:]] ]]; do
      ((pos++))
      blank=1
    done
    if ((n >= 0 && blank == 0)); then
      _mpytool_words[n]+=$w
    else
      ((n++))
      _mpytool_words[n]=$w
    fi
    ((pos += ${#w}))
  done
  _mpytool_cword=$n
}

# The connection options of the current line (-p/-a/-b/--vboard...), for _paths.
_mpytool_connection() {
  local i w
  _mpytool_conn=()
  for ((i = 1; i < _mpytool_cword; i++)); do
    w=${_mpytool_words[i]}
    case $w in
      -p | --port | -a | --address | -b | --baud | --profile | --profile-dir | --plugin-dir | \
        --vboard-opt | --ssl-ca | --password)
        _mpytool_conn+=("$w" "${_mpytool_words[i + 1]}")
        ((i++))
        ;;
      -p?* | -a?* | -b?* | --port=* | --address=* | --baud=* | --profile=* | --profile-dir=* | \
        --plugin-dir=* | --vboard-opt=* | --ssl-ca=* | --password=*)
        _mpytool_conn+=("$w")
        ;;
      --vboard | --ssl | --ssl-no-verify | --ssl-no-hostname) _mpytool_conn+=("$w") ;;
      --) break ;;
    esac
  done
}

# bash replaces only what follows the last COMP_WORDBREAKS character of the word: drop the
# part of each reply up to the last ':' of the word being completed (bash-completion's
# __ltrim_colon_completions).
_mpytool_trim_colon() {
  local cur=$1
  [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]] || return
  local colon=${cur%"${cur##*:}"}
  COMPREPLY=("${COMPREPLY[@]#"$colon"}")
}

_mpytool() {
  local tool=${COMP_WORDS[0]}
  # The word being completed, whole: bash splits ':/app/ma' at the ':' (COMP_WORDBREAKS).
  local line=${COMP_LINE:0:COMP_POINT}
  local cur=${line##*[[:space:]]}
  _mpytool_reassemble
  local prev=${_mpytool_words[_mpytool_cword - 1]}
  local i w cmd="" sub="" cmdpos=0
  # Global options that take a value (their next word is not a command), from `_options`:
  # `--long:help:argtype:-s` per line, argtype empty for a flag.
  local -A takes=()
  local name short type
  while IFS= read -r w; do
    name=${w%%:*}
    short=${w##*:}
    w=${w%:*}
    type=${w##*:}
    if [[ -n $type ]]; then
      takes[$name]=1
      [[ -n $short ]] && takes[$short]=1
    fi
  done < <("$tool" _options 2>/dev/null)
  for ((i = 1; i < _mpytool_cword; i++)); do
    w=${_mpytool_words[i]}
    if [[ $w == -- || $w == + ]]; then
      cmd="" sub=""
      continue
    fi
    if [[ -n $cmd ]]; then
      # `mpytool <plugin> <cmd>`: the word after the first may name the command too.
      [[ $i -eq $((cmdpos + 1)) && $w != -* && $w != :* ]] && sub=$w
      continue
    fi
    case $w in
      -* | :)
        [[ -n ${takes[$w]:-} ]] && ((i++))
        ;;
      *)
        cmd=$w
        cmdpos=$i
        ;;
    esac
  done
  local words=() reply=()
  case $prev in
    -p | --port)
      mapfile -t words < <("$tool" ports 2>/dev/null | cut -f1)
      mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur")
      _mpytool_trim_colon "$cur"
      return
      ;;
  esac
  if [[ $cur == :* ]]; then
    # A board path: list the directory part, offer its entries.
    local dir=":"
    [[ $cur == */* ]] && dir=${cur%/*}/
    _mpytool_connection
    mapfile -t words < <("$tool" "${_mpytool_conn[@]}" _paths "$dir" 2>/dev/null </dev/null)
    for w in "${words[@]}"; do
      [[ $dir == ":" ]] && reply+=(":$w") || reply+=("$dir$w")
    done
    mapfile -t COMPREPLY < <(compgen -W "${reply[*]}" -- "$cur")
    # bash replaces only what follows the last ':'; a directory takes no trailing space.
    _mpytool_trim_colon "$cur"
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
    return
  fi
  if [[ $cur == -* ]]; then
    [[ -n $sub ]] && mapfile -t words < <("$tool" _options "$cmd" "$sub" 2>/dev/null | cut -d: -f1)
    ((${#words[@]})) || mapfile -t words < <("$tool" _options $cmd 2>/dev/null | cut -d: -f1)
    mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur")
    return
  fi
  if [[ -z $cmd ]]; then
    mapfile -t words < <("$tool" _commands 2>/dev/null | cut -d: -f1)
    mapfile -t COMPREPLY < <(compgen -W "${words[*]}" -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  _mpytool_trim_colon "$cur"
}

complete -F _mpytool mpytool
