// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.vmm.kvm;

import org.jvmm.vmm.VmmException;

/**
 * The KVM device cannot be opened or is not a usable KVM. The message is the diagnosis' one
 * line; {@link #diagnosis()} carries its code and the host facts it rests on.
 */
public final class KvmUnavailableException extends VmmException {
    private final transient KvmDiagnosis diagnosis;

    public KvmUnavailableException(KvmDiagnosis diagnosis) {
        super(diagnosis.message());
        this.diagnosis = diagnosis;
    }

    public KvmDiagnosis diagnosis() {
        return diagnosis;
    }
}
