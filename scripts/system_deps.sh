#!/usr/bin/env bash
# Install Graphviz's `dot` (and Chromium for browser tests) when missing and we can; else say how.
set -u
want=()
command -v dot >/dev/null 2>&1 || want+=(graphviz)
if [ "${TINYGRAD_EDU_NO_BROWSER:-0}" != 1 ]; then
  command -v chromium >/dev/null 2>&1 || want+=(chromium chromium-driver)
fi
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${want[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${want[@]}") >/tmp/tinygrad_edu_apt.log 2>&1 \
    || echo "apt-get could not install ${want[*]} (see /tmp/tinygrad_edu_apt.log); dependent tests will skip."
else
  echo "Missing: ${want[*]}. Install Graphviz with 'sudo apt-get install graphviz' (Debian/Ubuntu),"
  echo "'brew install graphviz' (macOS) or 'conda install -c conda-forge graphviz'; dependent tests will skip."
fi
exit 0
