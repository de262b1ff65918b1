// SPDX-License-Identifier: GPL-2.0-or-later
package org.jvmm.cli.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command table: name → typed parameters → handler, standing in for the part of QEMU's QAPI
 * schema (qapi/control.json, run-state.json, machine.json) that jvmm implements. Arguments are
 * checked as QEMU's generated visitors check them, in the same order and words: each declared
 * parameter in turn (missing, then wrongly typed), then any argument nobody declared.
 */
final class QmpCommands {
    /** What a command handler may use besides its arguments. */
    interface Context {
        QmpTarget target();

        QmpVersion version();

        /**
         * Sends an event to every client once this command's reply is queued: QEMU's main loop
         * announces a request after the monitor has answered it.
         */
        void emitAfterReply(QmpEvent event);

        /** qmp_capabilities: leaves negotiation mode, with OOB if asked. */
        void negotiate(boolean oob);
    }

    interface Handler {
        JsonNode run(ObjectNode args, Context context);
    }

    enum Type {
        INT("integer"), STRING("string"), CAPABILITY_LIST("array");

        final String qapiName;

        Type(String qapiName) {
            this.qapiName = qapiName;
        }
    }

    record Param(String name, Type type, boolean optional) {}

    record Command(String name, List<Param> params, Handler handler) {}

    static final String CAPABILITIES = "qmp_capabilities";

    static final List<Command> ALL = List.of(
            new Command(CAPABILITIES, List.of(new Param("enable", Type.CAPABILITY_LIST, true)), (args, c) -> {
                c.negotiate(args.has("enable") && !args.get("enable").isEmpty());
                return empty();
            }),
            new Command("query-status", List.of(), (args, c) -> {
                ObjectNode r = QmpJson.object();
                QmpTarget.RunState state = c.target().status();
                r.put("status", state.qapiName());
                r.put("singlestep", false); // jvmm never single-steps; 7.2 still reports the flag
                r.put("running", state == QmpTarget.RunState.RUNNING);
                return r;
            }),
            new Command("query-version", List.of(), (args, c) -> c.version().node()),
            new Command("query-commands", List.of(), (args, c) -> {
                ArrayNode list = JsonNodeFactory.instance.arrayNode();
                QmpCommands.ALL.forEach(cmd -> list.addObject().put("name", cmd.name()));
                return list;
            }),
            new Command("balloon", List.of(new Param("value", Type.INT, false)), (args, c) -> {
                c.target().balloon(args.get("value").longValue());
                return empty();
            }),
            new Command("query-balloon", List.of(), (args, c) -> balloonInfo(c.target().queryBalloon())),
            new Command("system_powerdown", List.of(), (args, c) -> {
                c.target().powerdown();
                c.emitAfterReply(QmpEvent.powerdown()); // the request, not its outcome
                return empty();
            }),
            new Command("device_del", List.of(new Param("id", Type.STRING, false)), (args, c) -> {
                c.target().deviceDel(args.get("id").textValue());
                return empty();
            }),
            new Command("quit", List.of(), (args, c) -> {
                c.target().quit();
                return empty();
            }));

    /** jvmm's own member of query-balloon, named as QAPI names downstream extensions. */
    static final String LAST_REPORT = "__org.jvmm_last-report";

    private QmpCommands() {}

    static Optional<Command> find(String name) {
        return ALL.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** Checks {@code args} against the command's parameters; throws QEMU's error for the first problem. */
    static void checkArguments(Command command, ObjectNode args) {
        for (Param p : command.params()) {
            JsonNode v = args.get(p.name());
            if (v == null) {
                if (!p.optional()) {
                    throw QmpError.generic("Parameter '" + p.name() + "' is missing");
                }
                continue;
            }
            switch (p.type()) {
                case INT -> {
                    // QEMU's parser keeps integers beyond int64 as doubles, which its int
                    // visitor then refuses as the wrong type; canConvertToLong does the same.
                    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                        throw wrongType(p.name(), p.type().qapiName);
                    }
                }
                case STRING -> {
                    if (!v.isTextual()) {
                        throw wrongType(p.name(), p.type().qapiName);
                    }
                }
                case CAPABILITY_LIST -> checkCapabilities(p.name(), v);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = args.fields(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (command.params().stream().noneMatch(p -> p.name().equals(name))) {
                throw QmpError.generic("Parameter '" + name + "' is unexpected");
            }
        }
    }

    /** QMPCapability has one value, {@code oob} (qapi/control.json). */
    private static void checkCapabilities(String name, JsonNode v) {
        if (!v.isArray()) {
            throw wrongType(name, "array");
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            String element = name + "[" + i + "]";
            if (!e.isTextual()) {
                throw wrongType(element, "string");
            }
            if (!e.textValue().equals("oob")) {
                throw QmpError.generic("Parameter '" + element + "' does not accept value '" + e.textValue() + "'");
            }
        }
    }

    private static QmpError wrongType(String name, String expected) {
        return QmpError.generic("Invalid parameter type for '" + name + "', expected: " + expected);
    }

    private static ObjectNode balloonInfo(QmpTarget.BalloonInfo info) {
        ObjectNode r = QmpJson.object();
        r.put("actual", info.actual());
        info.lastReport().ifPresent(report -> {
            ObjectNode x = r.putObject(LAST_REPORT);
            x.put("committed", report.committedBytes());
            x.put("available", report.availableBytes());
            x.set("received", QmpJson.timestamp(report.receivedAtMillis() * 1000));
        });
        return r;
    }

    private static ObjectNode empty() {
        return QmpJson.object();
    }
}
