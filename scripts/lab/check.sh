# SPDX-License-Identifier: GPL-2.0-or-later
# Body of 'scripts/hvlab --check', appended to run.sh and run by bash inside the lab.
echo "kernel: $(uname -r)"
if [ -c /dev/kvm ]; then echo "/dev/kvm: present"; else echo "/dev/kvm: missing"; exit 1; fi
if [ -x /run/hvlab/kvm-caps ]; then
  /run/hvlab/kvm-caps || exit 1
fi
