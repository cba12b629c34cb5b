namespace Convey.RawPacket.Xdp;

/// <summary>
/// Writes eBPF instructions with named jump targets, so a program reads as assembly and its jump offsets are
/// computed, not counted by hand. Only what the steering and fast-path programs need: 64-bit arithmetic, loads and
/// stores, atomic adds, unsigned conditional jumps, helper calls and map references.
/// </summary>
internal sealed class BpfProgramBuilder
{
    private const byte ClassLoad = 0x00, ClassLoadRegister = 0x01, ClassStore = 0x02, ClassStoreRegister = 0x03;
    private const byte ClassJump = 0x05, ClassAlu64 = 0x07, ClassAlu = 0x04;
    private const byte ModeImmediate = 0x00, ModeMemory = 0x60, ModeAtomic = 0xc0;
    private const int AtomicAddOperation = 0x00;
    private const byte SourceImmediate = 0x00, SourceRegister = 0x08;
    private const byte OperationEndian = 0xd0, ToBigEndianFlag = 0x08;
    private const byte JumpAlways = 0x00, JumpCall = 0x80, JumpExit = 0x90;
    private const byte PseudoMapFd = 1;

    private readonly List<BpfInstruction> _instructions = [];
    private readonly List<int> _labels = [];
    private readonly List<(int Instruction, BpfLabel Target)> _jumps = [];

    /// <summary>A jump target, placed later with <see cref="Mark"/>.</summary>
    public BpfLabel DefineLabel()
    {
        _labels.Add(-1);
        return new BpfLabel(_labels.Count - 1);
    }

    /// <summary>Places <paramref name="label"/> at the next instruction.</summary>
    public BpfProgramBuilder Mark(BpfLabel label)
    {
        if (_labels[label.Index] >= 0)
        {
            throw new InvalidOperationException($"Label {label.Index} is placed twice.");
        }

        _labels[label.Index] = _instructions.Count;
        return this;
    }

    /// <summary><c>destination = immediate</c>.</summary>
    public BpfProgramBuilder Move(BpfRegister destination, int immediate) => Alu(BpfAluOperation.Move, destination, immediate);

    /// <summary><c>destination = source</c>.</summary>
    public BpfProgramBuilder Move(BpfRegister destination, BpfRegister source) => Alu(BpfAluOperation.Move, destination, source);

    /// <summary><c>destination op= immediate</c> on 64 bits.</summary>
    public BpfProgramBuilder Alu(BpfAluOperation operation, BpfRegister destination, int immediate) =>
        Emit(new((byte)(ClassAlu64 | (byte)operation | SourceImmediate), destination, BpfRegister.R0, 0, immediate));

    /// <summary><c>destination op= source</c> on 64 bits.</summary>
    public BpfProgramBuilder Alu(BpfAluOperation operation, BpfRegister destination, BpfRegister source) =>
        Emit(new((byte)(ClassAlu64 | (byte)operation | SourceRegister), destination, source, 0, 0));

    /// <summary>Turns the low <paramref name="bits"/> of <paramref name="register"/> from network to host order (a no-op on big-endian hosts).</summary>
    public BpfProgramBuilder FromBigEndian(BpfRegister register, int bits) =>
        Emit(new((byte)(ClassAlu | OperationEndian | ToBigEndianFlag), register, BpfRegister.R0, 0, bits));

    /// <summary><c>destination = *(size *)(source + offset)</c>.</summary>
    public BpfProgramBuilder Load(BpfSize size, BpfRegister destination, BpfRegister source, short offset) =>
        Emit(new((byte)(ClassLoadRegister | ModeMemory | (byte)size), destination, source, offset, 0));

    /// <summary><c>*(size *)(destination + offset) = source</c>.</summary>
    public BpfProgramBuilder Store(BpfSize size, BpfRegister destination, short offset, BpfRegister source) =>
        Emit(new((byte)(ClassStoreRegister | ModeMemory | (byte)size), destination, source, offset, 0));

    /// <summary><c>lock *(u64 *)(destination + offset) += source</c>: an atomic add, as counters shared between CPUs need.</summary>
    public BpfProgramBuilder AtomicAdd(BpfRegister destination, short offset, BpfRegister source) =>
        Emit(new((byte)(ClassStoreRegister | ModeAtomic | (byte)BpfSize.DoubleWord), destination, source, offset, AtomicAddOperation));

    /// <summary><c>*(size *)(destination + offset) = immediate</c>.</summary>
    public BpfProgramBuilder Store(BpfSize size, BpfRegister destination, short offset, int immediate) =>
        Emit(new((byte)(ClassStore | ModeMemory | (byte)size), destination, BpfRegister.R0, offset, immediate));

    /// <summary><c>if (register condition immediate) goto target</c>, unsigned.</summary>
    public BpfProgramBuilder JumpIf(BpfJumpCondition condition, BpfRegister register, int immediate, BpfLabel target) =>
        EmitJump(new((byte)(ClassJump | (byte)condition | SourceImmediate), register, BpfRegister.R0, 0, immediate), target);

    /// <summary><c>if (register condition source) goto target</c>, unsigned.</summary>
    public BpfProgramBuilder JumpIf(BpfJumpCondition condition, BpfRegister register, BpfRegister source, BpfLabel target) =>
        EmitJump(new((byte)(ClassJump | (byte)condition | SourceRegister), register, source, 0, 0), target);

    /// <summary><c>goto target</c>.</summary>
    public BpfProgramBuilder Jump(BpfLabel target) =>
        EmitJump(new(ClassJump | JumpAlways, BpfRegister.R0, BpfRegister.R0, 0, 0), target);

    /// <summary>Loads a reference to the map <paramref name="mapFd"/> into <paramref name="destination"/> (two instruction slots; the kernel swaps the descriptor for the map).</summary>
    public BpfProgramBuilder LoadMap(BpfRegister destination, int mapFd)
    {
        Emit(new(ClassLoad | ModeImmediate | (byte)BpfSize.DoubleWord, destination, (BpfRegister)PseudoMapFd, 0, mapFd));
        return Emit(new(0, BpfRegister.R0, BpfRegister.R0, 0, 0));
    }

    /// <summary>Calls a kernel helper: arguments in R1–R5, result in R0; R1–R5 are lost.</summary>
    public BpfProgramBuilder Call(BpfHelper helper) =>
        Emit(new(ClassJump | JumpCall, BpfRegister.R0, BpfRegister.R0, 0, (int)helper));

    /// <summary>Returns R0.</summary>
    public BpfProgramBuilder Exit() => Emit(new(ClassJump | JumpExit, BpfRegister.R0, BpfRegister.R0, 0, 0));

    /// <summary>The instructions with every jump resolved.</summary>
    /// <exception cref="InvalidOperationException">A jump targets a label never placed, or lies beyond a 16-bit offset.</exception>
    public BpfInstruction[] Build()
    {
        var program = _instructions.ToArray();
        foreach (var (at, target) in _jumps)
        {
            var position = _labels[target.Index];
            if (position < 0)
            {
                throw new InvalidOperationException($"Label {target.Index} is jumped to but never placed.");
            }

            var offset = position - at - 1;
            if (offset is < short.MinValue or > short.MaxValue)
            {
                throw new InvalidOperationException($"The jump at {at} is too far for an eBPF offset ({offset}).");
            }

            program[at] = program[at] with { Offset = (short)offset };
        }

        return program;
    }

    private BpfProgramBuilder EmitJump(BpfInstruction instruction, BpfLabel target)
    {
        _jumps.Add((_instructions.Count, target));
        return Emit(instruction);
    }

    private BpfProgramBuilder Emit(BpfInstruction instruction)
    {
        _instructions.Add(instruction);
        return this;
    }
}

/// <summary>A jump target of a <see cref="BpfProgramBuilder"/>.</summary>
internal readonly record struct BpfLabel(int Index);
