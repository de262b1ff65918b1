#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates org.jvmm.bindings.kvm (bindings/src/main/java/org/jvmm/bindings/kvm) with jextract 22+.
#
# The names to bind live in one place, bindings/jextract/kvm.includes, a jextract argument file
# (--include-struct / --include-constant lines) that jextract reads through @file. The stand-in
# generator bindings/tools/kvm_bindgen.py (libclang) reads the same file, and KvmRegistryTest fails
# when the committed package and the file disagree, so the two generators cannot drift apart.
# To bind a new struct or macro: add its line to kvm.includes, run this script (or the stand-in),
# run `scripts/mvn -pl bindings verify` (the gcc probe test checks every layout and value), commit.
#
# No --include-function: linux/kvm.h declares no functions, and the libc calls need errno capture
# and variadic linking that jextract does not emit, so they are written by hand in LibC.
#
# jextract writes its own file header; the committed files carry the SPDX line and a pointer here,
# which `git diff` shows as the only difference when the two generators agree.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
command -v jextract >/dev/null 2>&1 || {
  echo "jextract-kvm: jextract is not on PATH; get it from https://jdk.java.net/jextract/ (or run bindings/tools/kvm_bindgen.py, which needs python3-clang-14)" >&2
  exit 1
}
OUT="$ROOT/bindings/src/main/java"
rm -f "$OUT"/org/jvmm/bindings/kvm/*.java
# linux/kvm.h pulls in asm/kvm.h, so structs and macros of both headers are reachable from one root.
exec jextract \
  --target-package org.jvmm.bindings.kvm \
  --header-class-name kvm_h \
  --output "$OUT" \
  -I /usr/include -I /usr/include/x86_64-linux-gnu \
  @"$ROOT/bindings/jextract/kvm.includes" \
  /usr/include/linux/kvm.h
