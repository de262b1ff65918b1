// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.hyperv.vmbus.balloon;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.jvmm.hyperv.vmbus.Channel;
import org.jvmm.hyperv.vmbus.ChannelDevice;
import org.jvmm.hyperv.vmbus.RingBuffer;
import org.jvmm.vmm.memory.GuestMemory;
import org.jvmm.vmm.memory.HotplugArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hyper-V dynamic memory, the balloon Linux's hv_balloon drives (and QEMU 8.2's hv-balloon
 * serves): the guest negotiates a protocol version and reports its capabilities, then reports its
 * memory once a second; to shrink it the host asks for pages (DM_BALLOON_REQUEST) and the guest
 * answers with the ranges it gave up, which the host frees at once ({@link GuestMemory#discard});
 * to grow it the host hands ranges back (DM_UNBALLOON_REQUEST), and beyond its boot size, when
 * the machine has room ({@code --max-memory}) and the guest reported it can, adds memory
 * ({@link HotAdd}). Messages start with a header of type u16, size u16 and transaction id u32.
 *
 * <p>A request the guest cannot meet in full is answered in part (Linux keeps a floor of free
 * memory); the host asks again for the rest a second later, and stops asking after a round that
 * brought nothing, so neither side waits for ever. Only ranges in guest RAM that overlap nothing
 * already in the balloon are taken, and only ranges the guest gave are ever handed back. Methods
 * run under the channel's lock: guest messages on a vCPU thread, requests on the VMBus service
 * thread or the control socket's.
 */
public final class DynamicMemory implements ChannelDevice, org.jvmm.vmm.balloon.BalloonControl {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicMemory.class);
    public static final String TYPE = "525074dc-8985-46e2-8057-a307dc18a502";
    static final int PAGE = 4096;
    static final int HEADER = 8;
    static final int VERSION_REQUEST = 1;
    static final int VERSION_RESPONSE = 2;
    static final int CAPABILITIES_REPORT = 3;
    static final int CAPABILITIES_RESPONSE = 4;
    static final int STATUS_REPORT = 5;
    static final int BALLOON_REQUEST = 6;
    static final int BALLOON_RESPONSE = 7;
    static final int UNBALLOON_REQUEST = 8;
    static final int UNBALLOON_RESPONSE = 9;
    /** DYNMEM_PROTOCOL_VERSION_WIN10 (2.0) and _WIN8 (1.0): what Windows 10 and later hosts take. */
    static final List<Integer> VERSIONS = List.of(2 << 16, 1 << 16);
    /** One balloon request asks for at most this many pages (QEMU's hv-balloon caps it too). */
    static final long MAX_REQUEST_PAGES = 585728;
    /** Ranges per unballoon message: its packet stays below a guest page, as Linux expects. */
    static final int RANGES_PER_MESSAGE = (PAGE - 16) / 8 - 2;
    /** A range can hold at most 2^24 - 1 pages (its count field's width). */
    static final long MAX_RANGE_PAGES = (1L << 24) - 1;

    /** The guest's last status report, in pages. */
    public record Status(long available, long committed, long pageFileSize, long zeroFree, long atNanos) {}

    private final GuestMemory memory;
    private final long ramPages;
    private final HotAdd hotAdd;
    private final ScheduledExecutorService timer;
    private final BalloonedPages balloon = new BalloonedPages();
    private volatile LongConsumer onChange = actual -> {};
    private Channel channel;
    private int version;
    private boolean ready;
    private long targetPages;
    private boolean inflating;
    private long gotThisRound;
    private int transaction;
    private volatile Status lastStatus;
    private volatile long actualBytes;
    private volatile int rejected;

    public DynamicMemory(GuestMemory memory, ScheduledExecutorService timer) {
        this(memory, timer, Optional.empty());
    }

    /** With {@code hotplug}, where memory beyond the boot size can be added. */
    public DynamicMemory(GuestMemory memory, ScheduledExecutorService timer, Optional<HotplugArea> hotplug) {
        this.memory = memory;
        this.hotAdd = new HotAdd(hotplug);
        this.ramPages = memory.totalSize() / PAGE;
        this.timer = timer;
        this.targetPages = ramPages;
        this.actualBytes = memory.totalSize();
    }

    @Override
    public String interfaceType() {
        return TYPE;
    }

    @Override
    public String name() {
        return "dynamic-memory";
    }

    /** Called with the guest's new size in bytes whenever the balloon changed it. */
    @Override
    public void onChange(LongConsumer listener) {
        onChange = listener;
    }

    /** The guest's size now: its RAM less the balloon. */
    @Override
    public long actualBytes() {
        return actualBytes;
    }

    public Optional<Status> lastStatus() {
        return Optional.ofNullable(lastStatus);
    }

    /** The last status in bytes, its time moved from the monotonic clock to the wall clock. */
    @Override
    public Optional<GuestMemoryReport> lastReport() {
        return lastStatus().map(s -> new GuestMemoryReport(s.committed() * PAGE, s.available() * PAGE,
                System.currentTimeMillis() - (System.nanoTime() - s.atNanos()) / 1_000_000));
    }

    /** True once the guest's balloon driver has negotiated and reported its capabilities. */
    public boolean ready() {
        Channel c = channel;
        if (c == null) {
            return false;
        }
        synchronized (c) {
            return ready;
        }
    }

    /** Guest messages that were malformed or out of place. */
    public int rejected() {
        return rejected;
    }

    @Override
    public void opened(Channel c) {
        channel = c;
        version = 0;
        ready = false;
        inflating = false;
        hotAdd.unsent(); // an answer the old driver owed will never come
    }

    @Override
    public void closed(Channel c) {
        // The guest's driver went away: whatever it ballooned it keeps, as Linux does not give it back.
        ready = false;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private byte[] message(int type, int size) {
        byte[] m = new byte[size];
        le(m).putShort(0, (short) type).putShort(2, (short) size).putInt(4, ++transaction);
        return m;
    }

    /**
     * Sets the guest's target size in bytes (rounded down to pages, at most its RAM, or with
     * hot-add its maximum): the balloon inflates or deflates towards it, and memory is added
     * beyond what the guest has. False when the guest's balloon driver is not ready.
     */
    @Override
    public boolean setTarget(long bytes) {
        Channel c = channel;
        if (c == null) {
            return false;
        }
        synchronized (c) {
            if (!ready) {
                return false;
            }
            targetPages = Math.max(0, Math.min(ramPages + hotAdd.maxPages(), bytes / PAGE));
            hotAdd.newTarget();
            adjust();
            return true;
        }
    }

    /** Pages the guest has now: its boot RAM and what it took by hot-add, less the balloon. */
    private long pagesNow() {
        return ramPages + hotAdd.addedPages() - balloon.pages();
    }

    /**
     * Moves one step towards the target: one balloon request, or unballoon messages and then,
     * for what the balloon cannot give back, one hot-add request. Never a balloon request while
     * a hot-add is outstanding, or the reverse: Linux handles one at a time.
     */
    private void adjust() {
        long now = pagesNow();
        if (targetPages < now && !inflating && !hotAdd.pending()) {
            long want = Math.min(now - targetPages, MAX_REQUEST_PAGES);
            byte[] m = message(BALLOON_REQUEST, 16);
            le(m).putInt(8, (int) want);
            if (channel.send(0, m)) {
                inflating = true;
                gotThisRound = 0;
            }
        } else if (targetPages > now) {
            List<long[]> back = balloon.take(targetPages - now, MAX_RANGE_PAGES);
            for (int i = 0; i < back.size(); i += RANGES_PER_MESSAGE) {
                List<long[]> part = back.subList(i, Math.min(back.size(), i + RANGES_PER_MESSAGE));
                byte[] m = message(UNBALLOON_REQUEST, 16 + 8 * part.size());
                boolean last = i + RANGES_PER_MESSAGE >= back.size();
                le(m).putInt(8, last ? 0 : 1).putInt(12, part.size());
                for (int j = 0; j < part.size(); j++) {
                    le(m).putLong(16 + 8 * j, part.get(j)[0] | part.get(j)[1] << 40);
                }
                channel.send(0, m);
            }
            changed();
            if (targetPages > pagesNow() && !inflating) {
                requestHotAdd(targetPages - pagesNow());
            }
        }
    }

    private void requestHotAdd(long pages) {
        Optional<Long> range;
        try {
            range = hotAdd.request(pages, MAX_RANGE_PAGES);
        } catch (org.jvmm.vmm.VmmException e) {
            LOG.warn("hv-balloon: no more memory for the guest: {}", e.getMessage());
            return;
        }
        if (range.isEmpty()) {
            return;
        }
        byte[] m = message(HotAdd.REQUEST, HotAdd.REQUEST_SIZE);
        le(m).putLong(8, range.get());
        if (!channel.send(0, m)) {
            hotAdd.unsent();
        }
    }

    private void hotAdded(byte[] d, int size) {
        HotAdd.Outcome outcome = hotAdd.response(d, size);
        switch (outcome) {
            case ADDED -> {
                changed();
                adjust(); // more to add, or a smaller target came meanwhile
            }
            case RETRY -> adjustInASecond();
            case REFUSED -> {
                LOG.warn("hv-balloon: the guest added no memory; {} pages below the target", targetPages - pagesNow());
                adjust(); // a smaller target may have come meanwhile
            }
            case REJECTED -> {
                rejected++;
                adjust();
            }
        }
    }

    private void changed() {
        actualBytes = pagesNow() * PAGE;
        onChange.accept(actualBytes);
    }

    @Override
    public void received(Channel c, RingBuffer.Packet packet) {
        byte[] d = packet.data();
        if (d.length < HEADER) {
            rejected++;
            return;
        }
        int type = le(d).getShort(0) & 0xffff;
        int size = le(d).getShort(2) & 0xffff;
        if (size < HEADER || size > d.length) {
            rejected++;
            return;
        }
        switch (type) {
            case VERSION_REQUEST -> version(c, d, size);
            case CAPABILITIES_REPORT -> capabilities(c, d, size);
            case STATUS_REPORT -> status(d, size);
            case BALLOON_RESPONSE -> ballooned(d, size);
            case UNBALLOON_RESPONSE -> { } // the guest has its pages back; nothing to do
            case HotAdd.RESPONSE -> hotAdded(d, size);
            default -> rejected++;
        }
    }

    private void version(Channel c, byte[] d, int size) {
        if (size < 16) {
            rejected++;
            return;
        }
        int asked = le(d).getInt(8);
        boolean ok = VERSIONS.contains(asked);
        version = ok ? asked : 0;
        byte[] m = message(VERSION_RESPONSE, 9);
        le(m).putInt(4, le(d).getInt(4)); // the answer carries the request's transaction id
        m[8] = (byte) (ok ? 1 : 0);
        c.send(0, m);
    }

    private void capabilities(Channel c, byte[] d, int size) {
        // Without an agreed version, or a guest that cannot balloon, there is nothing to do.
        boolean ok = version != 0 && size >= 32 && (le(d).getLong(8) & 1) != 0;
        byte[] m = message(CAPABILITIES_RESPONSE, 16);
        le(m).putInt(4, le(d).getInt(4));
        m[8] = (byte) (ok ? 1 : 0);
        c.send(0, m);
        ready = ok;
        if (ok) {
            hotAdd.capabilities(le(d).getLong(8));
            LOG.debug("hv-balloon: version {}.{} and capabilities accepted", version >>> 16, version & 0xffff);
            adjust(); // a target set before the driver came up
        } else {
            rejected++;
        }
    }

    private void status(byte[] d, int size) {
        if (size < 48) {
            rejected++;
            return;
        }
        var b = le(d);
        lastStatus = new Status(b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(32), System.nanoTime());
    }

    private void ballooned(byte[] d, int size) {
        if (size < 16 || !inflating) {
            rejected++;
            return;
        }
        var b = le(d);
        int word = b.getInt(12);
        boolean more = (word & 1) != 0;
        long count = (word >>> 1) & 0x7fffffffL;
        if (16 + 8 * count > size) {
            rejected++;
            count = (size - 16) / 8; // take the ranges that are there
        }
        for (int i = 0; i < count; i++) {
            long r = b.getLong(16 + 8 * i);
            long start = r & ((1L << 40) - 1);
            long n = r >>> 40;
            if (n == 0 || start + n > (Long.MAX_VALUE / PAGE) || !memory.isRam(start * PAGE, n * PAGE)
                    || !hotAdd.given(start, n) || !balloon.free(start, n)) {
                rejected++;
                continue;
            }
            memory.discard(start * PAGE, n * PAGE);
            balloon.add(start, n);
            gotThisRound += n;
        }
        if (count > 0) {
            changed();
        }
        if (!more) {
            inflating = false;
            long now = pagesNow();
            if (now > targetPages && gotThisRound > 0) {
                // The guest gave what it could spare; ask for the rest once it has had time.
                adjustInASecond();
            } else if (now > targetPages) {
                LOG.debug("hv-balloon: the guest gave nothing more; {} pages above the target", now - targetPages);
            } else if (now < targetPages) {
                adjust(); // the target rose while the guest was giving pages
            }
        }
    }

    /** Adjusts again a second from now, on the timer, if the driver is still ready then. */
    private void adjustInASecond() {
        Channel c = channel;
        timer.schedule(() -> {
            synchronized (c) {
                if (ready) {
                    adjust();
                }
            }
        }, 1, TimeUnit.SECONDS);
    }
}
