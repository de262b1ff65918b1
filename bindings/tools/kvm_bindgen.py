#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes org.jvmm.bindings.kvm in the shape jextract 22+ generates, from the real kernel headers.

jextract cannot be installed on the project's build machines, so this stand-in walks linux/kvm.h
with libclang (Debian: python3-clang-14, libclang1-14) and emits the same classes jextract would
for the structs and macros listed in bindings/jextract/kvm.includes. The same argument file drives
scripts/jextract-kvm.sh, so both generators bind the same set of names. Nothing here is
hand-tuned per struct: layouts, offsets and padding come from clang, macro values from gcc.

Usage: bindings/tools/kvm_bindgen.py   (any directory; writes into this checkout)
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    import clang.cindex as ci
except ImportError:
    sys.exit('kvm_bindgen: the libclang Python bindings are missing: apt-get install python3-clang-14 libclang1-14'
             ' (they install for Debian\'s /usr/bin/python3)')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INCLUDES = os.path.join(ROOT, 'bindings/jextract/kvm.includes')
OUT = os.path.join(ROOT, 'bindings/src/main/java/org/jvmm/bindings/kvm')
PKG = 'org.jvmm.bindings.kvm'
HDR = 'kvm_h'
HEADER = '/usr/include/linux/kvm.h'

K = ci.TypeKind
PRIM = {
    K.CHAR_S: ('C_CHAR', 'OfByte', 'byte'), K.SCHAR: ('C_CHAR', 'OfByte', 'byte'),
    K.UCHAR: ('C_CHAR', 'OfByte', 'byte'), K.CHAR_U: ('C_CHAR', 'OfByte', 'byte'),
    K.SHORT: ('C_SHORT', 'OfShort', 'short'), K.USHORT: ('C_SHORT', 'OfShort', 'short'),
    K.INT: ('C_INT', 'OfInt', 'int'), K.UINT: ('C_INT', 'OfInt', 'int'),
    K.LONG: ('C_LONG', 'OfLong', 'long'), K.ULONG: ('C_LONG', 'OfLong', 'long'),
    K.LONGLONG: ('C_LONG_LONG', 'OfLong', 'long'), K.ULONGLONG: ('C_LONG_LONG', 'OfLong', 'long'),
    K.POINTER: ('C_POINTER', 'AddressLayout', 'MemorySegment'),
}


def read_includes():
    structs, consts = [], []
    for line in open(INCLUDES):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        opt, name = line.split()
        (structs if opt == '--include-struct' else consts if opt == '--include-constant' else []).append(name)
    return structs, consts


def parse():
    ci.Config.set_library_file('/usr/lib/x86_64-linux-gnu/libclang-14.so.1')
    return ci.Index.create().parse(HEADER, args=['-x', 'c'],
                                   options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)


def anon_name(decl):
    return '$anon$%d:%d' % (decl.location.line, decl.location.column)


def record_decl(t):
    t = t.get_canonical()
    return t.get_declaration() if t.kind == K.RECORD else None


def is_union(decl):
    return decl.kind == ci.CursorKind.UNION_DECL


def fields(decl):
    """FIELD_DECL children in order; anonymous members have an empty spelling."""
    return [f for f in decl.type.get_fields()]


def c_type_text(t):
    """Spelling of a field type the way the header writes it (typedef names kept)."""
    decl = record_decl(t)
    if decl is not None and decl.is_anonymous():
        return ('union' if is_union(decl) else 'struct') + ' {...}'
    return t.spelling


def c_decl(f):
    t, dims = f.type, ''
    while t.kind in (K.CONSTANTARRAY, K.INCOMPLETEARRAY):
        dims += '[%d]' % t.element_count if t.kind == K.CONSTANTARRAY else '[]'
        t = t.element_type
    return '%s %s%s' % (c_type_text(t), f.spelling, dims)


def c_snippet(decl, indent, name=None):
    kw = 'union' if is_union(decl) else 'struct'
    head = '%s %s{' % (kw, (decl.spelling + ' ') if not decl.is_anonymous() else '')
    lines = [indent + head]
    for f in fields(decl):
        sub = record_decl(f.type)
        if sub is not None and sub.is_anonymous():
            inner = c_snippet(sub, indent + '    ', f.spelling)
            lines += inner
        else:
            lines.append(indent + '    ' + c_decl(f) + ';')
    lines.append(indent + '}' + ((' ' + name + ';') if name else (';' if name == '' else '')))
    return lines


class Gen:
    def __init__(self):
        self.deps = set()

    def elem_layout(self, t, owner_path):
        """Java expression for a member layout (without its name)."""
        t = t.get_canonical()
        if t.kind in PRIM:
            return HDR + '.' + PRIM[t.kind][0]
        if t.kind == K.CONSTANTARRAY:
            return 'MemoryLayout.sequenceLayout(%d, %s)' % (t.element_count, self.elem_layout(t.element_type, owner_path))
        if t.kind == K.INCOMPLETEARRAY:
            return 'MemoryLayout.sequenceLayout(0, %s)' % self.elem_layout(t.element_type, owner_path)
        if t.kind == K.RECORD:
            d = t.get_declaration()
            if d.is_anonymous():
                return self.group_expr(d, owner_path)
            self.deps.add(d.spelling)
            return d.spelling + '.layout()'
        raise SystemExit('unsupported type %s (%s) in %s' % (t.spelling, t.kind, owner_path))

    def member_exprs(self, decl, owner_path, nested_classes):
        """Member layout expressions of a struct or union, with explicit padding."""
        out, pos = [], 0
        size = decl.type.get_size() * 8
        union = is_union(decl)
        for f in fields(decl):
            if f.is_bitfield():
                raise SystemExit('bitfield %s in %s' % (f.spelling, owner_path))
            off = 0 if union else f.get_field_offsetof()
            if off > pos:
                out.append('MemoryLayout.paddingLayout(%d)' % ((off - pos) // 8))
            sub = record_decl(f.type)
            if f.spelling == '':
                expr = self.group_expr(sub, owner_path)
            elif sub is not None and sub.is_anonymous():
                nested_classes.append((f.spelling, sub))
                expr = '%s.%s.layout().withName("%s")' % (owner_path, f.spelling, f.spelling)
            else:
                expr = self.elem_layout(f.type, owner_path) + '.withName("%s")' % f.spelling
            out.append(expr)
            fsize = f.type.get_size() * 8 if f.type.get_canonical().kind != K.INCOMPLETEARRAY else 0
            pos = max(pos, fsize) if union else off + fsize
        if size > pos:
            out.append('MemoryLayout.paddingLayout(%d)' % ((size - pos) // 8))
        return out

    def group_expr(self, decl, owner_path):
        """Inline layout of an anonymous member; its named struct members become nested classes."""
        nested = []
        exprs = self.member_exprs(decl, owner_path, nested)
        self.pending_nested.extend(nested)
        kind = 'unionLayout' if is_union(decl) else 'structLayout'
        body = ',\n'.join(exprs)
        return 'MemoryLayout.%s(\n%s\n).withName("%s")' % (kind, indent_text(body, 4), anon_name(decl))

    def accessors(self, decl, cls, path, base_off):
        """Accessor blocks for every named member, hoisting members of anonymous records."""
        out = []
        for f in fields(decl):
            off = base_off + (0 if is_union(decl) else f.get_field_offsetof() // 8)
            sub = record_decl(f.type)
            if f.spelling == '':
                out += self.accessors(sub, cls, path + ['groupElement("%s")' % anon_name(sub)], off)
                continue
            out.append(field_accessors(f, cls, path + ['groupElement("%s")' % f.spelling], off))
        return out

    def gen_class(self, decl, name, owner_path, nested_level):
        self.pending_nested = []
        exprs = self.member_exprs(decl, owner_path, self.pending_nested)
        nested = list(self.pending_nested)
        kind = 'unionLayout' if is_union(decl) else 'structLayout'
        layout_name = anon_name(decl) if decl.is_anonymous() else decl.spelling
        acc = self.accessors(decl, name, [], 0)
        nested_src = [self.gen_class(sub, fname, owner_path + '.' + fname, nested_level + 1) for fname, sub in nested]
        snippet = '\n'.join(' * ' + l for l in c_snippet(decl, '', fname_or(decl, name)))
        kw = 'public static class' if nested_level else 'public class'
        src = CLASS_TEMPLATE.format(doc=snippet, kw=kw, name=name, kind=kind,
                                    kind_word='union' if is_union(decl) else 'struct',
                                    members=indent_text(',\n'.join(exprs), 8), layout_name=layout_name,
                                    accessors=''.join(acc), nested='\n'.join(indent_text(n, 4) + '\n' for n in nested_src))
        return src


def fname_or(decl, name):
    return name if decl.is_anonymous() else None


def indent_text(text, n):
    return '\n'.join((' ' * n + l) if l else l for l in text.split('\n'))


def field_accessors(f, cls, path, off):
    n = f.spelling
    t = f.type.get_canonical()
    decl_doc = '     * {@snippet lang=c :\n     * %s\n     * }' % c_decl(f).replace('{...}', '{ ... }').replace('@', '{@literal @}')
    sel = '$LAYOUT.select(%s)' % ', '.join(path)
    common = COMMON_TEMPLATE
    if t.kind in PRIM:
        _, lay, jt = PRIM[t.kind]
        return (common + PRIM_TEMPLATE).format(n=n, lay=lay, jt=jt, sel=sel, off=off, doc=decl_doc)
    if t.kind in (K.CONSTANTARRAY, K.INCOMPLETEARRAY):
        dims, e = [], t
        while e.kind in (K.CONSTANTARRAY, K.INCOMPLETEARRAY):
            dims.append(e.element_count if e.kind == K.CONSTANTARRAY else 0)
            e = e.element_type.get_canonical()
        src = (common + ARRAY_TEMPLATE).format(n=n, lay='SequenceLayout', jt='MemorySegment', sel=sel, off=off, doc=decl_doc,
                                               dims=', '.join(map(str, dims)),
                                               seq=', '.join(['sequenceElement()'] * len(dims)))
        # The element handle starts from the whole layout so that it includes the field's offset.
        seq = ', '.join(path + ['sequenceElement()'] * len(dims))
        idx_params = ', '.join('long index%d' % i for i in range(len(dims)))
        idx_args = ', '.join('index%d' % i for i in range(len(dims)))
        if e.kind in PRIM:
            jt = PRIM[e.kind][2]
            src += ARRAY_PRIM_TEMPLATE.format(n=n, jt=jt, params=idx_params, args=idx_args, doc=decl_doc, seq=seq)
        else:
            src += ARRAY_GROUP_TEMPLATE.format(n=n, params=idx_params, args=idx_args, doc=decl_doc, seq=seq)
        return src
    if t.kind == K.RECORD:
        return (common + GROUP_TEMPLATE).format(n=n, lay='GroupLayout', jt='MemorySegment', sel=sel, off=off, doc=decl_doc)
    raise SystemExit('unsupported field %s' % n)


CLASS_TEMPLATE = '''/**
 * {{@snippet lang=c :
{doc}
 * }}
 */
{kw} {name} {{

    {name}() {{
        // Should not be called directly
    }}

    private static final GroupLayout $LAYOUT = MemoryLayout.{kind}(
{members}
    ).withName("{layout_name}");

    /**
     * The layout of this {kind_word}
     */
    public static final GroupLayout layout() {{
        return $LAYOUT;
    }}
{accessors}
{nested}
    /**
     * Obtains a slice of {{@code arrayParam}} which selects the array element at {{@code index}}.
     * The returned segment has address {{@code arrayParam.address() + index * layout().byteSize()}}
     */
    public static MemorySegment asSlice(MemorySegment array, long index) {{
        return array.asSlice(layout().byteSize() * index);
    }}

    /**
     * The size (in bytes) of this {kind_word}
     */
    public static long sizeof() {{ return layout().byteSize(); }}

    /**
     * Allocate a segment of size {{@code layout().byteSize()}} using {{@code allocator}}
     */
    public static MemorySegment allocate(SegmentAllocator allocator) {{
        return allocator.allocate(layout());
    }}

    /**
     * Allocate an array of size {{@code elementCount}} using {{@code allocator}}.
     * The returned segment has size {{@code elementCount * layout().byteSize()}}.
     */
    public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {{
        return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));
    }}

    /**
     * Reinterprets {{@code addr}} using target {{@code arena}} and {{@code cleanupAction}} (if any).
     * The returned segment has size {{@code layout().byteSize()}}
     */
    public static MemorySegment reinterpret(MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup) {{
        return reinterpret(addr, 1, arena, cleanup);
    }}

    /**
     * Reinterprets {{@code addr}} using target {{@code arena}} and {{@code cleanupAction}} (if any).
     * The returned segment has size {{@code elementCount * layout().byteSize()}}
     */
    @SuppressWarnings("restricted")  // the caller vouches for addr, as with any reinterpret
    public static MemorySegment reinterpret(MemorySegment addr, long elementCount, Arena arena, Consumer<MemorySegment> cleanup) {{
        return addr.reinterpret(layout().byteSize() * elementCount, arena, cleanup);
    }}
}}'''

COMMON_TEMPLATE = '''
    private static final {lay} {n}$LAYOUT = ({lay}){sel};

    /**
     * Layout for field:
{doc}
     */
    public static final {lay} {n}$layout() {{
        return {n}$LAYOUT;
    }}

    private static final long {n}$OFFSET = {off};

    /**
     * Offset for field:
{doc}
     */
    public static final long {n}$offset() {{
        return {n}$OFFSET;
    }}
'''

PRIM_TEMPLATE = '''
    /**
     * Getter for field:
{doc}
     */
    public static {jt} {n}(MemorySegment struct) {{
        return struct.get({n}$LAYOUT, {n}$OFFSET);
    }}

    /**
     * Setter for field:
{doc}
     */
    public static void {n}(MemorySegment struct, {jt} fieldValue) {{
        struct.set({n}$LAYOUT, {n}$OFFSET, fieldValue);
    }}
'''

GROUP_TEMPLATE = '''
    /**
     * Getter for field:
{doc}
     */
    public static MemorySegment {n}(MemorySegment struct) {{
        return struct.asSlice({n}$OFFSET, {n}$LAYOUT.byteSize());
    }}

    /**
     * Setter for field:
{doc}
     */
    public static void {n}(MemorySegment struct, MemorySegment fieldValue) {{
        MemorySegment.copy(fieldValue, 0L, struct, {n}$OFFSET, {n}$LAYOUT.byteSize());
    }}
'''

ARRAY_TEMPLATE = GROUP_TEMPLATE + '''
    private static long[] {n}$DIMS = {{ {dims} }};

    /**
     * Dimensions for array field:
{doc}
     */
    public static long[] {n}$dimensions() {{
        return {n}$DIMS;
    }}
'''

ARRAY_PRIM_TEMPLATE = '''    private static final VarHandle {n}$ELEM_HANDLE = $LAYOUT.varHandle({seq});

    /**
     * Indexed getter for field:
{doc}
     */
    public static {jt} {n}(MemorySegment struct, {params}) {{
        return ({jt}){n}$ELEM_HANDLE.get(struct, 0L, {args});
    }}

    /**
     * Indexed setter for field:
{doc}
     */
    public static void {n}(MemorySegment struct, {params}, {jt} fieldValue) {{
        {n}$ELEM_HANDLE.set(struct, 0L, {args}, fieldValue);
    }}
'''

ARRAY_GROUP_TEMPLATE = '''    private static final MethodHandle {n}$ELEM_HANDLE = $LAYOUT.sliceHandle({seq});

    /**
     * Indexed getter for field:
{doc}
     */
    public static MemorySegment {n}(MemorySegment struct, {params}) {{
        try {{
            return (MemorySegment){n}$ELEM_HANDLE.invokeExact(struct, 0L, {args});
        }} catch (Throwable ex$) {{
            throw new AssertionError("should not reach here", ex$);
        }}
    }}

    /**
     * Indexed setter for field:
{doc}
     */
    public static void {n}(MemorySegment struct, {params}, MemorySegment fieldValue) {{
        MemorySegment.copy(fieldValue, 0L, {n}(struct, {args}), 0L, {n}$LAYOUT.elementLayout().byteSize());
    }}
'''

FILE_HEAD = '''// SPDX-License-Identifier: GPL-2.0-or-later
// Generated by jextract (shape); see scripts/jextract-kvm.sh. Do not edit by hand.

package %s;

import java.lang.invoke.*;
import java.lang.foreign.*;
import java.nio.ByteOrder;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

import static java.lang.foreign.ValueLayout.*;
import static java.lang.foreign.MemoryLayout.PathElement.*;

''' % PKG


def find_structs(tu):
    found = {}
    for cur in tu.cursor.walk_preorder():
        if cur.kind in (ci.CursorKind.STRUCT_DECL, ci.CursorKind.UNION_DECL) and cur.is_definition() and cur.spelling \
                and not cur.is_anonymous():
            found.setdefault(cur.spelling, cur)
    return found


def main():
    structs, consts = read_includes()
    tu = parse()
    defs = find_structs(tu)
    gen = Gen()
    todo, done = list(structs), set()
    while todo:
        s = todo.pop(0)
        if s in done:
            continue
        if s not in defs:
            raise SystemExit('struct %s not found in %s' % (s, HEADER))
        gen.deps = set()
        src = gen.gen_class(defs[s], s, s, 0)
        with open(os.path.join(OUT, s + '.java'), 'w') as out:
            out.write(FILE_HEAD + src + '\n')
        done.add(s)
        missing = sorted(d for d in gen.deps if d not in structs)
        if missing:
            raise SystemExit('struct %s needs %s: add --include-struct lines to %s' % (s, missing, INCLUDES))
        todo += sorted(gen.deps - done)
    write_header(tu, consts)
    print('wrote %d struct classes and %s.java with %d constants' % (len(done), HDR, len(consts)))


def write_header(tu, consts):
    macros = {}
    for cur in tu.cursor.get_children():
        if cur.kind == ci.CursorKind.MACRO_DEFINITION and cur.spelling not in macros:
            macros[cur.spelling] = cur
    missing = [c for c in consts if c not in macros]
    if missing:
        raise SystemExit('macros not in the headers: %s' % missing)
    values = eval_with_gcc(consts)
    body = []
    for c in consts:
        v = values[c]
        if v < 2 ** 31:
            jt, lit = 'int', '(int)%dL' % v
        else:
            jt, lit = 'long', '%dL' % v
        body.append(CONST_TEMPLATE.format(n=c, jt=jt, lit=lit, text=macro_text(macros[c]).replace('@', '{@literal @}')))
    src = FILE_HEAD + HEADER_TEMPLATE.format(consts=''.join(body))
    with open(os.path.join(OUT, HDR + '.java'), 'w') as out:
        out.write(src)


def macro_text(cur):
    """The macro's replacement text as the header writes it, comments and line splices removed."""
    ext = cur.extent
    with open(ext.start.file.name) as f:
        lines = f.read().split('\n')[ext.start.line - 1:ext.end.line]
    text = ' '.join(l.rstrip('\\').strip() for l in lines)
    text = re.sub(r'/\*.*?\*/', '', text)
    text = re.sub(r'^#\s*define\s+' + re.escape(cur.spelling) + r'\s*', '', text).strip()
    return re.sub(r'\s+', ' ', text)


def eval_with_gcc(consts):
    prog = '#include <stdio.h>\n#include <linux/kvm.h>\nint main(void) {\n' + ''.join(
        '  printf("%%s %%llu\\n", "%s", (unsigned long long)(%s));\n' % (c, c) for c in consts) + '  return 0;\n}\n'
    with tempfile.TemporaryDirectory() as d:
        open(d + '/p.c', 'w').write(prog)
        subprocess.run(['gcc', '-o', d + '/p', d + '/p.c'], check=True)
        out = subprocess.run([d + '/p'], check=True, capture_output=True, text=True).stdout
    vals = {}
    for line in out.splitlines():
        k, v = line.split()
        vals[k] = int(v)
        if vals[k] >= 2 ** 63:
            raise SystemExit('negative or 64-bit macro %s' % k)
    return vals


CONST_TEMPLATE = '''    private static final {jt} {n} = {lit};
    /**
     * {{@snippet lang=c :
     * #define {n} {text}
     * }}
     */
    public static {jt} {n}() {{
        return {n};
    }}
'''

HEADER_TEMPLATE = '''public class kvm_h {{

    kvm_h() {{
        // Should not be called directly
    }}

    public static final ValueLayout.OfBoolean C_BOOL = ValueLayout.JAVA_BOOLEAN;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfFloat C_FLOAT = ValueLayout.JAVA_FLOAT;
    public static final ValueLayout.OfDouble C_DOUBLE = ValueLayout.JAVA_DOUBLE;
    @SuppressWarnings("restricted")  // a C pointer's target size is unknown, as in C
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS
            .withTargetLayout(MemoryLayout.sequenceLayout(java.lang.Long.MAX_VALUE, JAVA_BYTE));
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
{consts}}}
'''

if __name__ == '__main__':
    main()
