#!/usr/bin/env bash
# Runs every test of DigitalWeRoom.Sfu on a fresh machine: installs what the tests need
# (Chromium for interop, nftables/iproute2 for fault tests, redis-server for the cluster tests, coturn and NSS's
# certutil for the TURN tests, haproxy for the grid gateway test, clang for the Native AOT publish), builds, and runs all test
# projects inside a network namespace that has only loopback, so no test traffic can
# leave the machine. Ends with a plain "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium chromium-driver)
command -v nft >/dev/null 2>&1 || need_apt+=(nftables)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v firefox-esr >/dev/null 2>&1 || need_apt+=(firefox-esr)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v turnserver >/dev/null 2>&1 || need_apt+=(coturn)
# conntrack: SymmetricNatMeetingTests reads the NAT mappings of its router namespaces (RFC 4787 §4.1 check).
command -v conntrack >/dev/null 2>&1 || need_apt+=(conntrack)
# HAProxy: the grid gateway (SNI passthrough for the TURN name, TLS for the page) in Ipv6OnlyServerMeetingTests.
command -v haproxy >/dev/null 2>&1 || need_apt+=(haproxy)
# NSS's certutil: the TURN/TLS meeting tests make the browsers trust their test CA (Chromium's nssdb, Firefox's profile).
command -v certutil >/dev/null 2>&1 || need_apt+=(libnss3-tools)
# clang + zlib: the Native AOT publish of the server (LoadTest.Tests NativeAotServerTests, BENCH_JIT=aot) links with them.
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
[ -e /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null \
    || echo "warning: apt-get install failed; tests that need ${need_apt[*]} will fail"
fi

# npm packages the tests use: HashiCorp's HCL parser (@cdktf/hcl2json, WebAssembly) for the Terraform tests in
# Server.Tests/Deploy, and puppeteer-core, which drives the Debian Firefox over WebDriver BiDi in Interop.Tests.
for npm_dir in tests/DigitalWeRoom.Sfu.Server.Tests/Deploy/hcl tests/DigitalWeRoom.Sfu.Interop.Tests/Browser/node; do
  want=$(sed -n 's/^ *"\([^"]*\)": "[0-9][^"]*".*/\1/p' "$npm_dir/package.json")
  missing=0; for w in $want; do [ -d "$npm_dir/node_modules/$w" ] || missing=1; done
  [ "$missing" = 0 ] && continue
  if command -v npm >/dev/null 2>&1; then
    (cd "$npm_dir" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null) \
      || echo "warning: npm install in $npm_dir failed; the tests that need $(echo $want) will fail"
  else
    echo "warning: npm not found; the tests that need $(echo $want) will fail"
  fi
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build DigitalWeRoom.Sfu.sln -c Release -nologo -v q || { echo "0 passed, 1 failed"; exit 1; }

results=TestResults
rm -rf "$results"; mkdir -p "$results"

# The server as the container image holds it (deploy/docker/Dockerfile's build stage: Native AOT), published once for
# every test project that stands for a deployment (Server.Tests Deploy/Boot, LoadTest.Tests NativeAot): the
# ILCompiler takes minutes on two cores. Without it (no clang) each test process publishes for itself, and fails.
published=$(mktemp -d /tmp/dwr-test-publish-XXXXXX)
trap 'rm -rf "$published"' EXIT
echo "=== Native AOT publish (the container's server)"
if dotnet publish src/DigitalWeRoom.Sfu.Server/DigitalWeRoom.Sfu.Server.csproj -c Release --use-current-runtime \
     -p:PublishAot=true -o "$published" -nologo -v q; then
  export DWR_PUBLISHED_SERVER=$published
else
  echo "warning: the Native AOT publish failed; the boot and Native AOT tests will publish again and report why"
fi

# A namespace with only `lo`: Chromium, the server and every test peer talk over 127.0.0.1/::1.
ns="dwr-test-$$"
run_in_ns=()
if [ "$(id -u)" = 0 ] && ip netns add "$ns" 2>/dev/null; then
  ip -n "$ns" link set lo up
  run_in_ns=(ip netns exec "$ns")
  trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$published"' EXIT
else
  echo "note: not root or no netns support; running tests in the current namespace"
fi

filter="${TEST_FILTER:-}"
counters() { # trx -> "passed failed notexecuted"
  local line p f t e
  line=$(grep -o '<Counters [^>]*>' "$1" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$line"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$line")
  echo "${p:-0} ${f:-0} $(( ${t:-0} - ${e:-0} ))"
}
passed=0; failed=0; skipped=0; retried=()
for proj in $(ls tests/*/*.Tests.csproj | sort); do
  name=$(basename "$proj" .csproj)
  echo "=== $name"
  args=(test "$proj" -c Release --no-build --no-restore -nologo --results-directory "$results" --blame-hang-timeout 10m)
  run_args=("${args[@]}" --logger "trx;LogFileName=$name.trx")
  [ -n "$filter" ] && run_args+=(--filter "$filter")
  "${run_in_ns[@]}" dotnet "${run_args[@]}" 2>&1 | grep -vE '^\s*$' | tail -n 60
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then echo "error: $name produced no results"; failed=$((failed + 1)); continue; fi
  read -r p f s <<<"$(counters "$trx")"
  passed=$((passed + p)); skipped=$((skipped + s))
  if [ "$f" -gt 0 ]; then
    # Browser and timing tests share two cores with three Chromiums and the server: a failed test is run again,
    # alone, up to twice, and reported by name below. A test that fails every time counts as failed.
    names=$(grep -o '<UnitTestResult [^>]*outcome="Failed"' "$trx" | sed -n 's/.* testName="\([^"(]*\).*/\1/p' | sort -u)
    while read -r n; do [ -n "$n" ] && retried+=("$n"); done <<<"$names"
    rf=$f
    for attempt in 1 2; do
      retry_filter=$(sed 's/^/FullyQualifiedName~/' <<<"$names" | paste -sd '|')
      echo "--- $name: $rf failed; run $((attempt + 1)) of them: $(paste -sd ' ' <<<"$names")"
      rtrx="$results/$name.retry$attempt.trx"
      "${run_in_ns[@]}" dotnet "${args[@]}" --logger "trx;LogFileName=$(basename "$rtrx")" --filter "$retry_filter" 2>&1 | grep -vE '^\s*$' | tail -n 40
      [ -f "$rtrx" ] || break
      read -r rp nf rs <<<"$(counters "$rtrx")"
      [ "$nf" -lt "$rf" ] && rf=$nf
      [ "$rf" -eq 0 ] && break
      names=$(grep -o '<UnitTestResult [^>]*outcome="Failed"' "$rtrx" | sed -n 's/.* testName="\([^"(]*\).*/\1/p' | sort -u)
    done
    passed=$((passed + f - rf)); failed=$((failed + rf))
  fi
done
if [ ${#retried[@]} -gt 0 ]; then
  echo "Tests that failed on the first run and were run again: ${retried[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
