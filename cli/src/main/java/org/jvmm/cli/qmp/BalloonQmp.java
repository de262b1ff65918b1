// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import java.util.Optional;
import org.jvmm.vmm.balloon.BalloonControl;

/**
 * QMP's balloon commands over an optional {@link BalloonControl}, with QEMU's checks in QEMU's
 * order (softmmu/balloon.c, {@code have_balloon} then {@code qmp_balloon}): no device first,
 * then a target that is not a positive size. QEMU names the parameter {@code target} in that
 * message although the command's argument is {@code value}; clients match on the text, so it
 * stays.
 */
public final class BalloonQmp {
    static final String NO_BALLOON = "No balloon device has been activated";

    private BalloonQmp() {}

    public static void balloon(Optional<BalloonControl> balloon, long bytes) {
        BalloonControl b = require(balloon);
        if (bytes <= 0) {
            throw QmpError.generic("Parameter 'target' expects a size");
        }
        if (!b.setTarget(bytes)) {
            throw QmpError.generic("the guest's balloon driver is not ready yet");
        }
    }

    public static QmpTarget.BalloonInfo query(Optional<BalloonControl> balloon) {
        BalloonControl b = require(balloon);
        return new QmpTarget.BalloonInfo(b.actualBytes(), b.lastReport());
    }

    private static BalloonControl require(Optional<BalloonControl> balloon) {
        return balloon.orElseThrow(() -> new QmpError(QmpError.DEVICE_NOT_ACTIVE, NO_BALLOON));
    }
}
