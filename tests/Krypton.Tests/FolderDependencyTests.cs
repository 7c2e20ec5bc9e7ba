using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Krypton.Tests;

/// <summary>
/// The library's folders follow the data one way (docs/design.md, "The map"): each may use only the
/// folders listed for it below, and the list itself has no cycle, so a dependency that would close
/// one fails here instead of creeping in. Read from the compiled library (every type a type refers
/// to: signatures, fields, locals, attributes and the method bodies' IL) and from the sources (every
/// <c>using Krypton.X</c> and every <c>Krypton.X.</c> written out, which also catches constants the
/// compiler inlines).
/// </summary>
public sealed partial class FolderDependencyTests
{
    /// <summary>
    /// The allowed uses, folder by folder (namespace Krypton.X is folder src/Krypton/X), in pipeline
    /// order. The root namespace (KryptonException, Term, SyncProgress) is everybody's.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["IO"] = [],
        ["Model"] = [],
        ["Spec"] = [],
        ["Runtime"] = [],
        ["Imaging"] = ["IO"],
        ["Onnx"] = ["Model", "Runtime", "IO"],
        ["Architectures"] = ["Model"],
        ["Incremental"] = ["Model"],
        ["Compilation"] = ["Model", "Spec", "Incremental", "Onnx"],
        ["Planning"] = ["Model", "Spec", "Incremental", "Compilation", "Runtime", "IO"],
        ["Explain"] = ["Model", "Spec", "Imaging", "Incremental", "Compilation", "Runtime", "Planning"],
        ["Quality"] = ["Model", "Spec", "Compilation", "Runtime", "Planning", "Explain"],
        ["Tuning"] = ["Model", "Spec", "Imaging", "Runtime", "Planning", "Explain", "Quality"],
        ["Output"] = ["Model", "Spec", "Imaging", "IO", "Runtime", "Planning", "Explain", "Quality"],
        ["Data"] = ["Imaging", "IO"],
        ["Demo"] = ["Model", "Spec", "Architectures", "Onnx", "Imaging", "Data", "IO"],
        ["Training"] = ["Model", "Onnx", "Runtime", "Imaging", "Data", "Demo", "IO"],
        ["Jobs"] = ["Model", "Spec", "Imaging", "IO", "Onnx", "Runtime", "Architectures", "Demo", "Planning", "Explain", "Quality", "Output"],
    };

    private static string LibraryFolder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Krypton.slnx")))
                    return Path.Combine(dir.FullName, "src", "Krypton");
            throw new InvalidOperationException("the repository root (Krypton.slnx) is not above the test binaries");
        }
    }

    [Fact]
    public void The_allowed_uses_have_no_cycle_and_name_only_known_folders()
    {
        foreach (var (folder, uses) in Allowed)
            foreach (var used in uses)
                Assert.True(Allowed.ContainsKey(used), $"{folder} may use {used}, which is not a folder of the map");
        var state = new Dictionary<string, int>();   // 1 visiting, 2 done
        void Visit(string folder, List<string> path)
        {
            if (state.GetValueOrDefault(folder) == 2) return;
            Assert.False(state.GetValueOrDefault(folder) == 1, $"the allowed uses have a cycle: {string.Join(" -> ", path.Append(folder))}");
            state[folder] = 1;
            foreach (var used in Allowed[folder]) Visit(used, [.. path, folder]);
            state[folder] = 2;
        }
        foreach (var folder in Allowed.Keys) Visit(folder, []);
    }

    [Fact]
    public void Every_folder_is_on_the_map_and_every_file_is_in_its_folders_namespace()
    {
        var folders = Directory.GetDirectories(LibraryFolder).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(LibraryFolder, f), "*.cs", SearchOption.AllDirectories).Any());
        var unmapped = folders.Where(f => !Allowed.ContainsKey(f)).ToList();
        Assert.True(unmapped.Count == 0, $"folders missing from the map: {string.Join(", ", unmapped)}");
        var misplaced = new List<string>();
        foreach (var file in SourceFiles())
        {
            string expected = NamespaceOfFolder(file);
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file));
            if (!declared.Success || declared.Groups[1].Value != expected)
                misplaced.Add($"{Path.GetRelativePath(LibraryFolder, file)} declares {(declared.Success ? declared.Groups[1].Value : "no namespace")}, its folder is {expected}");
        }
        Assert.Empty(misplaced);
    }

    [Fact]
    public void The_compiled_library_uses_only_allowed_folders()
    {
        var found = CompiledUses();
        Assert.NotEmpty(found);
        Assert.Contains(("Explain", "Planning"), found.Keys);   // the reader sees real uses (the engine runs the planner)
        Assert.Empty(found.Where(u => !IsAllowed(u.Key.From, u.Key.To)).Select(u => $"{u.Key.From} uses {u.Key.To}: {string.Join(", ", u.Value.Take(3))}"));
    }

    [Fact]
    public void The_sources_name_only_allowed_folders()
    {
        var bad = new List<string>();
        foreach (var file in SourceFiles())
        {
            string from = FolderOf(NamespaceOfFolder(file));
            string code = Comment().Replace(File.ReadAllText(file), "");
            Assert.DoesNotContain("global using Krypton", code);
            foreach (Match m in KryptonName().Matches(code))
            {
                string to = m.Groups[1].Value;
                if (Allowed.ContainsKey(to) && !IsAllowed(from, to))
                    bad.Add($"{Path.GetRelativePath(LibraryFolder, file)}: {m.Value}");
            }
        }
        Assert.Empty(bad);
    }

    private static bool IsAllowed(string from, string to) => from == to || to == "" || (Allowed.TryGetValue(from, out var uses) && uses.Contains(to));

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(LibraryFolder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(LibraryFolder, f).Split(Path.DirectorySeparatorChar)[0].Equals("obj") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    private static string NamespaceOfFolder(string file)
    {
        var parts = Path.GetRelativePath(LibraryFolder, Path.GetDirectoryName(file)!).Split(Path.DirectorySeparatorChar).Where(p => p != ".");
        return string.Join('.', new[] { "Krypton" }.Concat(parts));
    }

    /// <summary>The folder of a namespace: its second part ("" for the root namespace).</summary>
    private static string FolderOf(string ns) => ns.Split('.') is [_, var folder, ..] ? folder : "";

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"//.*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\bKrypton\.([A-Z]\w*)")]
    private static partial Regex KryptonName();

    /// <summary>(user folder, used folder) → a few of the types behind it, for every pair of folders the compiled library links.</summary>
    private static Dictionary<(string From, string To), List<string>> CompiledUses()
    {
        using var pe = new PEReader(File.OpenRead(typeof(KryptonException).Assembly.Location));
        var md = pe.GetMetadataReader();
        var collector = new TypeCollector();
        var uses = new Dictionary<(string, string), List<string>>();

        string NamespaceOf(TypeDefinitionHandle h)
        {
            var t = md.GetTypeDefinition(h);
            while (t.GetDeclaringType() is { IsNil: false } outer) t = md.GetTypeDefinition(outer);
            return md.GetString(t.Namespace);
        }
        string NameOf(TypeDefinitionHandle h) => md.GetString(md.GetTypeDefinition(h).Name);

        foreach (var handle in md.TypeDefinitions)
        {
            string ns = NamespaceOf(handle);
            if (!ns.StartsWith("Krypton", StringComparison.Ordinal)) continue;
            string from = FolderOf(ns);
            var type = md.GetTypeDefinition(handle);
            var used = new List<TypeDefinitionHandle>();
            void Add(IEnumerable<TypeDefinitionHandle> types) => used.AddRange(types);
            void AddEntity(EntityHandle e)
            {
                if (e.IsNil) return;
                switch (e.Kind)
                {
                    case HandleKind.TypeDefinition: used.Add((TypeDefinitionHandle)e); break;
                    case HandleKind.TypeSpecification: Add(md.GetTypeSpecification((TypeSpecificationHandle)e).DecodeSignature(collector, null)); break;
                    case HandleKind.MethodDefinition: used.Add(md.GetMethodDefinition((MethodDefinitionHandle)e).GetDeclaringType()); break;
                    case HandleKind.FieldDefinition: used.Add(md.GetFieldDefinition((FieldDefinitionHandle)e).GetDeclaringType()); break;
                    case HandleKind.MemberReference:
                    {
                        var member = md.GetMemberReference((MemberReferenceHandle)e);
                        AddEntity(member.Parent);
                        if (member.GetKind() == MemberReferenceKind.Method) Add(Flatten(member.DecodeMethodSignature(collector, null)));
                        else Add(member.DecodeFieldSignature(collector, null));
                        break;
                    }
                    case HandleKind.MethodSpecification:
                    {
                        var spec = md.GetMethodSpecification((MethodSpecificationHandle)e);
                        AddEntity(spec.Method);
                        foreach (var argument in spec.DecodeSignature(collector, null)) Add(argument);
                        break;
                    }
                }
            }
            void AddAttributes(CustomAttributeHandleCollection attributes)
            {
                foreach (var a in attributes) AddEntity(md.GetCustomAttribute(a).Constructor);
            }

            AddEntity(type.BaseType);
            foreach (var i in type.GetInterfaceImplementations()) AddEntity(md.GetInterfaceImplementation(i).Interface);
            AddAttributes(type.GetCustomAttributes());
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                Add(field.DecodeSignature(collector, null));
                AddAttributes(field.GetCustomAttributes());
            }
            foreach (var p in type.GetProperties()) Add(Flatten(md.GetPropertyDefinition(p).DecodeSignature(collector, null)));
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                Add(Flatten(method.DecodeSignature(collector, null)));
                AddAttributes(method.GetCustomAttributes());
                if (method.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                if (!body.LocalSignature.IsNil)
                    foreach (var local in md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(collector, null)) Add(local);
                foreach (int token in Tokens(body.GetILBytes()!)) AddEntity(MetadataTokens.EntityHandle(token));
            }
            foreach (var u in used)
            {
                string to = FolderOf(NamespaceOf(u));
                if (to == from || !NamespaceOf(u).StartsWith("Krypton", StringComparison.Ordinal)) continue;
                if (!uses.TryGetValue((from, to), out var why)) uses[(from, to)] = why = [];
                string example = $"{NameOf(handle)} -> {NameOf(u)}";
                if (!why.Contains(example)) why.Add(example);
            }
        }
        return uses;
    }

    private static IEnumerable<TypeDefinitionHandle> Flatten(MethodSignature<IEnumerable<TypeDefinitionHandle>> signature) =>
        signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(p => p));

    /// <summary>Operand kinds of every IL opcode, from the runtime's own table.</summary>
    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>The metadata tokens a method body's instructions name (types, methods, fields).</summary>
    private static IEnumerable<int> Tokens(byte[] il)
    {
        for (int i = 0; i < il.Length;)
        {
            short code = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            var operand = Operands[code];
            switch (operand)
            {
                case OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, i);
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + 4 * BitConverter.ToInt32(il, i);
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                default:
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>Collects the library's own types (type definitions) that a signature names; other assemblies' types are left out.</summary>
    private sealed class TypeCollector : ISignatureTypeProvider<IEnumerable<TypeDefinitionHandle>, object?>
    {
        private static readonly TypeDefinitionHandle[] None = [];

        public IEnumerable<TypeDefinitionHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => None;
        public IEnumerable<TypeDefinitionHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];
        public IEnumerable<TypeDefinitionHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => None;
        public IEnumerable<TypeDefinitionHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public IEnumerable<TypeDefinitionHandle> GetSZArrayType(IEnumerable<TypeDefinitionHandle> elementType) => elementType;
        public IEnumerable<TypeDefinitionHandle> GetArrayType(IEnumerable<TypeDefinitionHandle> elementType, ArrayShape shape) => elementType;
        public IEnumerable<TypeDefinitionHandle> GetByReferenceType(IEnumerable<TypeDefinitionHandle> elementType) => elementType;
        public IEnumerable<TypeDefinitionHandle> GetPointerType(IEnumerable<TypeDefinitionHandle> elementType) => elementType;
        public IEnumerable<TypeDefinitionHandle> GetPinnedType(IEnumerable<TypeDefinitionHandle> elementType) => elementType;
        public IEnumerable<TypeDefinitionHandle> GetGenericInstantiation(IEnumerable<TypeDefinitionHandle> genericType, ImmutableArray<IEnumerable<TypeDefinitionHandle>> typeArguments) =>
            genericType.Concat(typeArguments.SelectMany(a => a));
        public IEnumerable<TypeDefinitionHandle> GetGenericMethodParameter(object? genericContext, int index) => None;
        public IEnumerable<TypeDefinitionHandle> GetGenericTypeParameter(object? genericContext, int index) => None;
        public IEnumerable<TypeDefinitionHandle> GetFunctionPointerType(MethodSignature<IEnumerable<TypeDefinitionHandle>> signature) => Flatten(signature);
        public IEnumerable<TypeDefinitionHandle> GetModifiedType(IEnumerable<TypeDefinitionHandle> modifier, IEnumerable<TypeDefinitionHandle> unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
