#!/usr/bin/env bash
# Generates the Python stubs of regsosek.v1 into clients/python/gen/ (gitignored) with Debian's
# protoc (protobuf-compiler) and grpc_python_plugin (protobuf-compiler-grpc).
#
# Not python3-grpc-tools: Debian's (1.14.1) bundles protoc 3.5.1, which rejects the proto3
# `optional` fields our protos rely on (absent value = withheld cell, absent key = margin).
#
# google/protobuf/*.proto come with protoc (libprotobuf-dev). The google/api and google/rpc
# protos (imported by the regsosek protos; google.rpc.Status and ErrorInfo decode error details)
# come from proto/ while the repository holds them, else from the NuGet package
# Google.Api.CommonProtos that the solution restores (GOOGLEAPIS_PROTOS=<dir> overrides).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/gen"
python="${PYTHON:-/usr/bin/python3}"

die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }
command -v protoc >/dev/null 2>&1 || die "protoc is missing: apt-get install protobuf-compiler"
plugin="$(command -v grpc_python_plugin || true)"
[ -n "$plugin" ] || die "grpc_python_plugin is missing: apt-get install protobuf-compiler-grpc"
[ -x "$python" ] || die "$python is missing: apt-get install python3 python3-protobuf"

# The Google.Api.CommonProtos protos in the NuGet cache: the version pinned in
# Directory.Packages.props if it says, else the newest restored.
common_protos() {
  local packages version dir
  packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
  if [ ! -d "$packages/google.api.commonprotos" ] && command -v dotnet >/dev/null 2>&1; then
    # a nuget.config may move the cache
    packages="$(dotnet nuget locals global-packages --list 2>/dev/null | sed -n 's/^global-packages: *//p' | head -n1)"
  fi
  packages="${packages%/}/google.api.commonprotos"
  version="$(sed -n 's/.*Include="Google.Api.CommonProtos" *Version="\([^"]*\)".*/\1/p' \
    "$root/Directory.Packages.props" 2>/dev/null | head -n1)"
  if [ -n "$version" ]; then
    dir="$packages/$(echo "$version" | tr 'A-Z' 'a-z')/content/protos"
  else
    dir="$(ls -d "$packages"/*/content/protos 2>/dev/null | sort -V | tail -n1)"
  fi
  [ -n "$dir" ] && [ -f "$dir/google/rpc/status.proto" ] && echo "$dir"
}

includes=(-I "$root/proto")
if [ -n "${GOOGLEAPIS_PROTOS:-}" ]; then
  includes+=(-I "$GOOGLEAPIS_PROTOS")
elif dir="$(common_protos)"; then
  includes+=(-I "$dir")
elif ! grep -qs 'import "google/api/' "$root"/proto/regsosek/v1/*.proto && [ -f "$root/proto/google/rpc/status.proto" ]; then
  : # the repository holds everything
elif command -v dotnet >/dev/null 2>&1 && [ -z "${BUILD_SH_RESTORED:-}" ]; then
  echo "build.sh: Google.Api.CommonProtos is not in the NuGet cache: dotnet restore" >&2
  dotnet restore "$root/Regsosek.DataService.sln" -v quiet >&2 || die "dotnet restore failed"
  BUILD_SH_RESTORED=1 exec "$0" "$@"
else
  die "no google/api and google/rpc protos: run 'dotnet restore Regsosek.DataService.sln' or set GOOGLEAPIS_PROTOS"
fi

# Compile our protos plus every non-google/protobuf file they import (python3-protobuf ships
# google.protobuf already), plus google/rpc status and error_details for the error details.
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$root/proto" && ls regsosek/v1/*.proto) > "$tmp/ours"
mapfile -t ours < "$tmp/ours"
protoc "${includes[@]}" --include_imports --descriptor_set_out="$tmp/set.pb" \
  "${ours[@]}" google/rpc/status.proto google/rpc/error_details.proto
mapfile -t files < <("$python" - "$tmp/set.pb" <<'EOF'
import sys
from google.protobuf import descriptor_pb2
s = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
print("\n".join(f.name for f in s.file if not f.name.startswith("google/protobuf/")))
EOF
)
rm -rf "$out"; mkdir -p "$out"
protoc "${includes[@]}" --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" "${files[@]}"
echo "build.sh: ${#files[@]} protos -> ${out#"$root"/}" >&2
