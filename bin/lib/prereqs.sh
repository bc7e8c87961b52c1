# Sourced by bin/bootstrap: finds Python >= 3.11 (with venv) and Node.js 20 (with npm), or says
# in one line what to install, in the words of this machine's package manager.
# Sets PYTHON to the interpreter that makes .venv. Uses only the shell and uname.

find_python() {
  local candidate
  for candidate in python3 python3.13 python3.12 python3.11; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON=$(command -v "$candidate")
      return 0
    fi
  done
  return 1
}

python_has_venv() {
  "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null
}

node_is_20() {
  # vite 8 needs Node ^20.19 or >= 22.12; Node 21 is not supported.
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null
}

found_versions() {
  local py node_v
  py=$(python3 --version 2>/dev/null) || true
  py=${py#Python }
  node_v=$(node --version 2>/dev/null) || true
  printf 'found Python %s, Node.js %s' "${py:-none}" "${node_v:-none}"
}

os_family() {
  if [ "$(uname -s 2>/dev/null)" = "Darwin" ]; then echo macos; return; fi
  local ids=""
  [ -r /etc/os-release ] && ids=$(. /etc/os-release && echo "${ID:-} ${ID_LIKE:-}")
  case " $ids " in *" debian "*|*" ubuntu "*) echo debian ;; *) echo other ;; esac
}

# install_hint <python: yes|venv|no> <node: yes|no>  -> the command that installs what is missing
install_hint() {
  local need_python=$1 need_node=$2 family
  family=$(os_family)
  case "$family" in
    macos)
      local formulae=()
      [ "$need_python" = no ] || formulae+=(python@3.11)
      [ "$need_node" = no ] || formulae+=(node@20)
      printf 'brew install %s' "${formulae[*]}"
      [ "$need_node" = no ] || printf ' && brew link --overwrite node@20'
      ;;
    debian)
      local pkgs=()
      [ "$need_python" = yes ] && pkgs+=(python3 python3-venv)
      [ "$need_python" = venv ] && pkgs+=(python3-venv)
      [ "$need_node" = no ] || pkgs+=(nodejs npm)
      printf 'sudo apt-get install %s' "${pkgs[*]}"
      [ "$need_python" != yes ] || printf ' (Debian 12 and Ubuntu 24.04 ship Python >= 3.11)'
      [ "$need_node" = no ] || printf ' (Debian 13 ships Node.js 20; elsewhere use NodeSource or nvm)'
      ;;
    *)
      local what=()
      [ "$need_python" = no ] || what+=("Python >= 3.11 with venv (python.org)")
      [ "$need_node" = no ] || what+=("Node.js 20 with npm (nodejs.org)")
      local joined
      joined=$(IFS=,; echo "${what[*]}")
      printf 'install %s' "${joined//,/ and }"
      ;;
  esac
}

# require_runtime <command name>: exits 1 with one line when Python or Node is missing.
require_runtime() {
  local who=$1 need_python=no need_node=no missing=()
  if ! find_python; then
    need_python=yes; missing+=("Python >= 3.11")
  elif ! python_has_venv; then
    need_python=venv; missing+=("Python's venv module")
  fi
  node_is_20 || { need_node=yes; missing+=("Node.js 20 with npm"); }
  if [ ${#missing[@]} -gt 0 ]; then
    local list
    list=$(IFS=,; echo "${missing[*]}")
    list=${list//,/ and }
    echo "$who needs $list ($(found_versions)); install: $(install_hint "$need_python" "$need_node")" >&2
    exit 1
  fi
}
