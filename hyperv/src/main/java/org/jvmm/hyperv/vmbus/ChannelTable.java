// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The server's channels by relid and where each is in its life: present (offered on the guest's
 * next REQUESTOFFERS), rescinded (the host took it away and waits for the guest's
 * RELID_RELEASED), or gone. A relid is never given to another device, so a late message from the
 * guest about a gone channel can only be ignored, never reach the wrong device.
 *
 * <p>Hyper-V's rules, which Linux's drivers/hv/channel_mgmt.c follows: a channel the guest was
 * offered is rescinded with RESCIND_CHANNELOFFER, and its relid stays the guest's until it sends
 * RELID_RELEASED (after closing the channel and tearing its GPADLs down, which the host still
 * answers); one the guest never saw can go at once; an UNLOAD or a new INITIATE_CONTACT releases
 * every relid. Not thread-safe: the server calls it under its own lock.
 */
final class ChannelTable {
    enum State { PRESENT, RESCINDED, GONE }

    private final List<Channel> channels = new ArrayList<>();
    private final List<State> states = new ArrayList<>();
    /** The guest has been offered relid n + 1 in the current session. */
    private final List<Boolean> offered = new ArrayList<>();
    private final List<Runnable> onGone = new ArrayList<>();

    ChannelTable(List<ChannelDevice> devices) {
        for (ChannelDevice d : devices) {
            channels.add(new Channel(channels.size() + 1, d));
            states.add(State.PRESENT);
            offered.add(false);
            onGone.add(null);
        }
    }

    /** Every channel ever offered, relid order, gone ones included. */
    List<Channel> all() {
        return List.copyOf(channels);
    }

    State state(int relid) {
        return inRange(relid) ? states.get(relid - 1) : State.GONE;
    }

    /** The channel of {@code relid} while its device is present: what opens and signals reach. */
    Optional<Channel> present(int relid) {
        return state(relid) == State.PRESENT ? Optional.of(channels.get(relid - 1)) : Optional.empty();
    }

    /** The channel of {@code relid} while the guest may still hold it (present or rescinded). */
    Optional<Channel> held(int relid) {
        State s = state(relid);
        return s == State.GONE ? Optional.empty() : Optional.of(channels.get(relid - 1));
    }

    /** The present channels, now offered to the guest. */
    List<Channel> offerAll() {
        List<Channel> out = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            if (states.get(i) == State.PRESENT) {
                offered.set(i, true);
                out.add(channels.get(i));
            }
        }
        return out;
    }

    /** The names of the devices still present, relid order. */
    List<String> presentIds() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            if (states.get(i) == State.PRESENT) {
                ids.add(channels.get(i).name());
            }
        }
        return ids;
    }

    /** The relid of the present device named {@code id} (its {@link ChannelDevice#name()}), or 0. */
    int relidOf(String id) {
        for (int i = 0; i < channels.size(); i++) {
            if (states.get(i) != State.GONE && channels.get(i).name().equals(id)) {
                return i + 1;
            }
        }
        return 0;
    }

    /**
     * Takes the device named {@code id} away; {@code gone} runs (under the server's lock) once the
     * guest no longer holds its relid.
     */
    VmbusServer.Removal remove(String id, Runnable gone) {
        int relid = relidOf(id);
        if (relid == 0) {
            return VmbusServer.Removal.UNKNOWN;
        }
        int i = relid - 1;
        if (states.get(i) == State.RESCINDED) {
            return VmbusServer.Removal.PENDING;
        }
        Channel c = channels.get(i);
        c.rescind();
        onGone.set(i, gone);
        if (offered.get(i)) {
            states.set(i, State.RESCINDED);
            return VmbusServer.Removal.RESCINDED;
        }
        finish(i);
        return VmbusServer.Removal.GONE;
    }

    /**
     * RELID_RELEASED: true when it ends a rescinded channel (the caller drops its GPADLs); a
     * release of a present channel closes it as before; anything else is the caller's to ignore.
     */
    boolean released(int relid) {
        State s = state(relid);
        if (s == State.RESCINDED) {
            finish(relid - 1);
            return true;
        }
        if (s == State.PRESENT) {
            channels.get(relid - 1).close();
        }
        return false;
    }

    /** UNLOAD, a new INITIATE_CONTACT or the server's end: every relid is released. */
    void sessionEnded() {
        for (int i = 0; i < channels.size(); i++) {
            channels.get(i).close();
            offered.set(i, false);
            if (states.get(i) == State.RESCINDED) {
                finish(i);
            }
        }
    }

    private void finish(int i) {
        channels.get(i).close();
        states.set(i, State.GONE);
        Runnable r = onGone.set(i, null);
        if (r != null) {
            r.run();
        }
    }

    private boolean inRange(int relid) {
        return relid >= 1 && relid <= channels.size();
    }
}
