# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by scripts/hvlab and scripts/guest/*: messages, Debian packages, and the cached stock kernel.
# Source it; it defines hvlab_* functions and HVLAB_CACHE. Everything it downloads lives in the
# cache, outside the repository, keyed by kernel version, so a second run needs no network.

HVLAB_CACHE="${JVMM_HVLAB_CACHE:-${HOME:-/root}/.cache/jvmm-hvlab}"
HVLAB_KERNEL_META=linux-image-amd64
# Load order matters: each module needs the ones before it (no modprobe, no modules.dep).
HVLAB_MODULES="irqbypass kvm ccp kvm-amd virtio_ring virtio virtio_pci_modern_dev
virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p"
# The test guest's own modules: the Hyper-V guest drivers a VMBus test loads (jvmm.modules=...).
HVLAB_GUEST_MODULES="hv_vmbus hv_utils hv_balloon"

hvlab_say() { echo "hvlab: $*" >&2; }
hvlab_die() { echo "hvlab: $*" >&2; exit 1; }

hvlab_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}

# apt-get update runs at most once per process, and only when a package is unknown or a fetch fails.
HVLAB_APT_UPDATED=0
hvlab_apt_update() {
  [ "$HVLAB_APT_UPDATED" -eq 0 ] || return 0
  hvlab_say "refreshing the Debian package lists (apt-get update)"
  local log; log=$(mktemp)
  if ! hvlab_as_root apt-get update -qq >"$log" 2>&1; then
    hvlab_die "cannot reach the Debian package source (apt-get update failed: $(grep -m1 -E '^(E|W):' "$log" || tail -n1 "$log"))"
  fi
  rm -f "$log"
  HVLAB_APT_UPDATED=1
}

# Installs the Debian packages the lab needs unless their programs are already there.
hvlab_ensure_packages() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  # Only busybox-static's /bin/busybox works in an initramfs without libc.
  hvlab_installed busybox-static || missing+=(busybox-static)
  command -v cpio >/dev/null || missing+=(cpio)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || hvlab_die "missing ${missing[*]} and no apt-get to install them"
  hvlab_say "installing ${missing[*]}"
  local log; log=$(mktemp)
  if ! DEBIAN_FRONTEND=noninteractive hvlab_as_root apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >"$log" 2>&1; then
    hvlab_apt_update
    DEBIAN_FRONTEND=noninteractive hvlab_as_root apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >"$log" 2>&1 \
      || hvlab_die "cannot install ${missing[*]}: $(grep -m1 '^E:' "$log" || tail -n1 "$log")"
  fi
  rm -f "$log"
  command -v qemu-system-x86_64 >/dev/null || hvlab_die "qemu-system-x86_64 is still missing after installing qemu-system-x86"
}

hvlab_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# Prints the versioned kernel package the metapackage depends on, e.g. linux-image-6.1.0-56-amd64.
hvlab_kernel_package() {
  local pkg
  pkg=$(LC_ALL=C apt-cache depends "$HVLAB_KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  if [ -z "$pkg" ]; then
    hvlab_apt_update
    pkg=$(LC_ALL=C apt-cache depends "$HVLAB_KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  fi
  [ -n "$pkg" ] || hvlab_die "apt knows no $HVLAB_KERNEL_META package; cannot pick a kernel"
  echo "$pkg"
}

# Makes sure $HVLAB_CACHE/<kver>/ holds vmlinuz and the modules the lab loads; prints the
# directory. Uses the last cached kernel without asking apt, so cached runs need no network.
hvlab_ensure_kernel() {
  local current="$HVLAB_CACHE/current-kernel" kver dir
  if [ -s "$current" ]; then
    kver=$(cat "$current")
    dir="$HVLAB_CACHE/$kver"
    if [ -s "$dir/vmlinuz" ] && [ -f "$dir/modules.ok" ] && [ -f "$dir/guest-modules.ok" ]; then echo "$dir"; return 0; fi
  fi
  local pkg; pkg=$(hvlab_kernel_package)
  kver=${pkg#linux-image-}
  dir="$HVLAB_CACHE/$kver"
  if ! [ -s "$dir/vmlinuz" ] || ! [ -f "$dir/modules.ok" ] || ! [ -f "$dir/guest-modules.ok" ]; then
    if ! hvlab_fetch_kernel "$pkg" "$kver" "$dir"; then
      # Stale package lists name a kernel the mirror no longer has: refresh and ask again.
      [ "$HVLAB_APT_UPDATED" -eq 0 ] || hvlab_die "kernel download failed ($pkg)"
      hvlab_apt_update
      pkg=$(hvlab_kernel_package); kver=${pkg#linux-image-}; dir="$HVLAB_CACHE/$kver"
      hvlab_fetch_kernel "$pkg" "$kver" "$dir" || hvlab_die "kernel download failed ($pkg)"
    fi
  fi
  echo "$kver" >"$current.tmp" && mv "$current.tmp" "$current"
  echo "$dir"
}

# Downloads kernel package $1 (version $2) and keeps only vmlinuz and the lab's modules in $3.
# Returns 1 when the download fails; dies when the package lacks what the lab needs.
hvlab_fetch_kernel() {
  local pkg="$1" kver="$2" dir="$3" work log
  mkdir -p "$HVLAB_CACHE"
  work=$(mktemp -d "$HVLAB_CACHE/fetch.XXXXXX")
  chmod 755 "$work"   # apt's sandbox user must be able to write here
  log="$work/log"
  hvlab_say "downloading $pkg"
  (cd "$work" && apt-get download -q "$pkg" >"$log" 2>&1) || { rm -rf "$work"; return 1; }
  dpkg -x "$work"/"$pkg"_*.deb "$work/x" || { rm -rf "$work"; hvlab_die "cannot unpack $pkg"; }
  local mods="$work/x/lib/modules/$kver" out="$work/out" m f set
  mkdir -p "$out/modules" "$out/guest-modules"
  cp "$work/x/boot/vmlinuz-$kver" "$out/vmlinuz"
  cp "$work/x/boot/config-$kver" "$out/config"
  for set in modules guest-modules; do
    for m in $([ "$set" = modules ] && echo $HVLAB_MODULES || echo $HVLAB_GUEST_MODULES); do
      f=$(find "$mods/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n1)
      [ -n "$f" ] || { rm -rf "$work"; hvlab_die "module $m not found in $pkg"; }
      # busybox insmod reads plain .ko only, so compressed modules are expanded here.
      case "$f" in
        *.xz) xz -dc "$f" >"$out/$set/$m.ko" ;;
        *.zst) zstd -qdc "$f" >"$out/$set/$m.ko" ;;
        *.gz) gzip -dc "$f" >"$out/$set/$m.ko" ;;
        *) cp "$f" "$out/$set/$m.ko" ;;
      esac
    done
  done
  echo "$HVLAB_MODULES" | tr -s ' \n' '\n\n' | grep . >"$out/modules/order"
  touch "$out/modules.ok" "$out/guest-modules.ok"
  rm -rf "$dir"
  mv "$out" "$dir"
  rm -rf "$work"
}

# Prints the kernel image the lab boots from kernel dir $1: vmlinux (the ELF inside the bzImage),
# extracted once, because QEMU then enters it through PVH and skips firmware, real-mode setup and
# xz decompression, which take ~2.5 s under TCG. Falls back to the bzImage when that fails.
hvlab_lab_kernel() {
  local kdir="$1" magic off tool
  if [ -s "$kdir/vmlinux" ]; then echo "$kdir/vmlinux"; return 0; fi
  if grep -q '^CONFIG_PVH=y' "$kdir/config" 2>/dev/null; then
    for magic in xz zstd gzip; do
      case $magic in
        xz) off=$(grep -abo $'\xfd7zXZ\x00' "$kdir/vmlinuz" | head -n1 | cut -d: -f1); tool="xz -dc --single-stream" ;;
        zstd) off=$(grep -abo $'\x28\xb5\x2f\xfd' "$kdir/vmlinuz" | head -n1 | cut -d: -f1); tool="zstd -qdc" ;;
        gzip) off=$(grep -abo $'\x1f\x8b\x08' "$kdir/vmlinuz" | head -n1 | cut -d: -f1); tool="gzip -dc" ;;
      esac
      [ -n "$off" ] || continue
      tail -c +$((off + 1)) "$kdir/vmlinuz" | $tool >"$kdir/vmlinux.tmp" 2>/dev/null || true
      if [ "$(head -c 4 "$kdir/vmlinux.tmp" 2>/dev/null)" = $'\x7fELF' ]; then
        mv "$kdir/vmlinux.tmp" "$kdir/vmlinux"; echo "$kdir/vmlinux"; return 0
      fi
    done
    rm -f "$kdir/vmlinux.tmp"
  fi
  echo "$kdir/vmlinuz"
}

# Writes a newc cpio of directory $1 to file $2 (atomically).
hvlab_cpio() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$2.tmp" \
    && mv "$2.tmp" "$2"
}

# Short content hash of the given files, so an edited init script rebuilds its initramfs.
hvlab_hash() { cat "$@" | sha256sum | cut -c1-12; }

# Builds (once) the initramfs whose /init is $2, with busybox and the lab's modules from kernel
# dir $1; prints its path. The name carries a hash of init and module list, so edits rebuild it.
hvlab_ensure_initramfs() {
  local kdir="$1" init="$2" name="$3" hash out root tools=() t
  # The test guest also gets the tiny static tools whose C sources sit beside its init script.
  [ "$name" = guest-initrd ] && tools=($(ls "$(dirname "$init")"/*.c 2>/dev/null))
  local extra=("$kdir/modules/order")
  [ "$name" = guest-initrd ] && extra=("$kdir"/guest-modules/*.ko)
  hash=$(hvlab_hash "$init" "${extra[@]}" /bin/busybox ${tools[@]+"${tools[@]}"})
  out="$kdir/$name-$hash.cpio"
  [ -s "$out" ] && { echo "$out"; return 0; }
  root=$(mktemp -d "$kdir/build.XXXXXX")
  mkdir -p "$root"/{bin,dev,proc,sys,mnt,tmp,root}
  cp /bin/busybox "$root/bin/busybox"
  for t in ${tools[@]+"${tools[@]}"}; do
    gcc -static -nostdlib -O2 -fno-stack-protector -fno-pie -no-pie -o "$root/bin/$(basename "$t" .c)" "$t" \
      || { rm -rf "$root"; hvlab_die "cannot compile the test guest tool $t (gcc -static -nostdlib)"; }
  done
  ln -s busybox "$root/bin/sh"
  install -m 755 "$init" "$root/init"
  [ "$name" = lab-initrd ] && cp -r "$kdir/modules" "$root/modules"
  [ "$name" = guest-initrd ] && cp -r "$kdir/guest-modules" "$root/modules"
  # Without /dev/console the kernel starts init with no stdin/stdout at all.
  mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
  hvlab_cpio "$root" "$out" || { rm -rf "$root"; hvlab_die "cannot build $out"; }
  rm -rf "$root"
  # Other versions go once a day old: checkouts of other branches share this cache and may be
  # using theirs right now.
  find "$kdir" -maxdepth 1 -name "$name-*.cpio" ! -path "$out" -mmin +1440 -delete 2>/dev/null || true
  echo "$out"
}

# Serializes cache building between concurrent runs. Inside the lab the cache is read-only and
# already complete, so a lock that cannot be taken is simply skipped.
hvlab_lock_cache() {
  mkdir -p "$HVLAB_CACHE" 2>/dev/null || return 0
  { exec 9>>"$HVLAB_CACHE/.lock"; } 2>/dev/null || return 0
  flock -w 900 9 || hvlab_die "another hvlab has held the cache lock $HVLAB_CACHE/.lock for 15 minutes"
}
hvlab_unlock_cache() { exec 9>&-; }
