/* Corpus source: encodings gcc rarely or never emits (system registers, hints,
 * unprivileged loads, preloads, exotic addressing, the less common DSP forms), so that
 * every row of sersim's encoding table meets objdump. Never run: it is only
 * disassembled. */
    .syntax unified
    .thumb
    .text

    .global rare_encodings
    .type rare_encodings, %function
    .thumb_func
rare_encodings:
    /* ARMv6-M: everything below is in the 16-bit set plus BL, MRS/MSR and barriers. */
    mrs r0, APSR
    mrs r1, IAPSR
    mrs r2, EAPSR
    mrs r3, XPSR
    mrs r4, IPSR
    mrs r5, EPSR
    mrs r6, IEPSR
    mrs r7, MSP
    mrs r0, PSP
    mrs r1, PRIMASK
    mrs r2, CONTROL
    msr PRIMASK, r0
    msr CONTROL, r1
    msr MSP, r2
    msr PSP, r3
    msr APSR_nzcvq, r4
    cpsid i
    cpsie i
    wfi
    wfe
    sev
    yield
    nop
    dmb sy
    dsb sy
    isb sy
    dmb #3
    dsb #0
    isb #5
    svc #0x12
    svc #255
    bkpt 0x00ab
    bkpt #0
    udf #0
    udf #254
    rev r0, r1
    rev16 r2, r3
    revsh r4, r5
    sxth r0, r7
    sxtb r1, r6
    uxth r2, r5
    uxtb r3, r4
    mov r8, r9
    mov sp, r7
    mov r7, sp
    mov pc, lr
    mov r0, pc
    add sp, r1
    add r1, sp, r1
    add r10, r11
    add r2, pc
    add r0, sp, #1020
    add sp, #508
    sub sp, #4
    add r1, sp, #0
    cmp r8, r9
    cmp r1, sl
    cmp r3, #255
    cmn r1, r2
    tst r3, r4
    negs r1, r2
    muls r3, r4, r3
    mvns r5, r6
    bics r1, r2
    rors r3, r4
    adcs r0, r1
    sbcs r2, r3
    lsls r0, r1, #31
    lsrs r2, r3, #32
    asrs r4, r5, #1
    lsls r6, r7, #0
    movs r0, r1
    movs r7, #0
    adds r1, r2, #7
    subs r3, r4, #0
    adds r5, #200
    subs r6, #1
    adds r0, r1, r2
    subs r3, r4, r5
    ldm r0!, {r1, r2}
    ldm r0, {r0, r1}
    ldm r3, {r0-r7}
    stmia r1!, {r2, r4, r6}
    push {r0-r7, lr}
    pop {r0-r7, pc}
    push {lr}
    pop {r3}
    ldr r0, [r1, r2]
    ldrb r3, [r4, r5]
    ldrh r6, [r7, r0]
    ldrsb r1, [r2, r3]
    ldrsh r4, [r5, r6]
    str r7, [r0, r1]
    strb r2, [r3, r4]
    strh r5, [r6, r7]
    ldr r0, [r1, #124]
    ldrb r2, [r3, #31]
    ldrh r4, [r5, #62]
    str r6, [r7]
    strb r0, [r1, #1]
    strh r2, [r3, #2]
    ldr r4, [sp, #1020]
    str r5, [sp]
    adr r6, 1f
    ldr r7, 1f
    blx r3
    bx lr
    beq 2f
    bne 2f
    bhi 2f
    bvs 2f
    b 2f
    bl 2f
    .balign 4
1:  .word 0x12345678
2:
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__)
    /* ARMv7-M: system registers and hints in their 32-bit forms. */
    msr BASEPRI, r0
    msr BASEPRI_MAX, r1
    msr FAULTMASK, r2
    msr APSR_g, r3
    msr APSR_nzcvqg, r4
    msr IAPSR_nzcvq, r5
    msr EPSR, r6
    mrs r8, BASEPRI
    mrs r9, BASEPRI_MAX
    mrs sl, FAULTMASK
    cpsid f
    cpsie f
    cpsid i
    clrex
    nop.w
    yield.w
    wfe.w
    wfi.w
    sev.w
    udf.w #0x1234
    udf.w #256
    dmb ish
    dsb ishst
    dmb osh
    dsb nsh
    dmb st
    /* Unprivileged and preload forms. */
    ldrt r0, [r1, #4]
    ldrbt r2, [r3]
    ldrht r4, [r5, #255]
    ldrsbt r6, [r7, #1]
    ldrsht r8, [r9, #2]
    strt r10, [r11, #3]
    strbt r0, [r12]
    strht r1, [lr, #8]
    pld [r0]
    pld [r1, #4095]
    pld [r2, #-4]
    pld [r3, r4]
    pld [r5, r6, lsl #3]
    pli [r0]
    pli [r1, #12]
    pli [r2, #-255]
    pli [r3, r4, lsl #1]
    pld 3f
    pli 3f
    /* Data processing rarely chosen by gcc. */
    teq r0, #255
    teq r1, r2, lsl #3
    orn r3, r4, #0xFF00
    orns r5, r6, r7, ror #9
    rrx r0, r1
    rrxs r2, r3
    lsls.w r4, r5, r6
    lsr.w r7, r8, r9
    asrs.w r10, r11, r12
    ror.w r0, r1, r2
    ror r3, r4, #7
    rors.w r5, r6, #31
    mov.w r0, #0x00FF00FF
    movs.w r1, #0xFF000000
    mvn.w r2, #0x3FC00
    mvns r3, r4, lsl #1
    cmn.w r5, #1
    cmn.w r6, r7, asr #2
    cmp.w r8, #0x10000
    cmp.w r9, r10, lsr #4
    tst.w r11, #0x80000000
    tst.w r12, r0
    adc.w r1, r2, #0x100
    adcs.w r3, r4, r5, lsl #2
    sbc.w r6, r7, #3
    sbcs.w r8, r9, r10
    rsb.w r11, r12, #0
    rsbs.w r0, r1, #4096
    rsb r2, r3, r4, lsl #5
    rsbs r5, r6, r7
    bic.w r8, r9, #0x1F0
    bics.w r10, r11, r12, asr #31
    and.w r0, r1, #0xF0F0F0F0
    ands.w r2, r3, r4
    eor.w r5, r6, #0x80
    eors.w r7, r8, r9, lsr #1
    orr.w r10, r11, #0xC0000000
    orrs.w r12, r0, r1, lsl #16
    add.w r0, r1, #0xAB00
    adds.w r2, r3, #1
    addw r4, r5, #4095
    addw r6, sp, #1
    add.w r7, sp, #0x400
    adds.w r8, sp, r9, lsl #2
    add.w r10, sp, r11
    sub.w r12, r0, #0xFF000000
    subs.w r1, r2, #255
    subw r3, r4, #0xABC
    subw r5, sp, #8
    sub.w r6, sp, #0x1000
    sub.w r7, sp, r8, lsl #1
    subs.w r9, r10, r11, asr #7
    adr.w r0, 3f
    adr.w r1, rare_encodings
    add.w sp, sp, #0x100
    sub.w sp, sp, #0x100
    movw r2, #0xFFFF
    movt r2, #0xABCD
    movw r3, #0
    mov.w r4, r5
    movs.w r6, r7
    mov.w r8, r9, lsl #3
    /* Bitfields, saturation, reversal, extends with rotation. */
    ubfx r0, r1, #0, #32
    sbfx r2, r3, #31, #1
    bfi r4, r5, #8, #8
    bfc r6, #0, #1
    bfc r7, #4, #28
    ssat r8, #1, r9
    ssat r10, #32, r11, lsl #31
    ssat r12, #16, r0, asr #1
    usat r1, #0, r2
    usat r3, #31, r4, asr #31
    usat r5, #8, r6, lsl #4
    clz r7, r8
    rbit r9, r10
    rev.w r11, r12
    rev16.w r0, r8
    revsh.w r1, r9
    sxth.w r2, r10
    sxtb r3, r11, ror #8
    uxth r4, r12, ror #16
    uxtb.w r5, r6, ror #24
    sxtah r7, r8, r9, ror #8
    uxtah r10, r11, r12
    sxtab r0, r1, r2, ror #16
    uxtab r3, r4, r5, ror #24
    /* Multiplies and divides. */
    mul r0, r1, r2
    mla r3, r4, r5, r6
    mls r7, r8, r9, r10
    smull r0, r1, r2, r3
    umull r4, r5, r6, r7
    smlal r8, r9, r10, r11
    umlal r12, r0, r1, r2
    sdiv r3, r4, r5
    udiv r6, r7, r8
    /* Loads and stores in every addressing mode. */
    ldr.w r0, [r1, #4095]
    ldr r2, [r3, #-255]
    ldr r4, [r5, #4]!
    ldr r6, [r7], #-8
    ldr.w r8, [r9, r10, lsl #3]
    ldr.w pc, [sp], #4
    ldrb.w r0, [r1, #1]
    ldrb r2, [r3, #-1]!
    ldrb r4, [r5], #255
    ldrb.w r6, [r7, r8, lsl #1]
    ldrsb.w r9, [r10, #100]
    ldrsb r11, [r12, #-100]
    ldrsb r0, [r1], #1
    ldrsb.w r2, [r3, r4]
    ldrh.w r5, [r6, #2]
    ldrh r7, [r8, #-2]!
    ldrh.w r9, [r10, r11, lsl #2]
    ldrsh.w r12, [r0, #4094]
    ldrsh r1, [r2], #-2
    ldrsh.w r3, [r4, r5, lsl #1]
    str.w r0, [r1, #4095]
    str r2, [r3, #-4]
    str r4, [r5, #4]!
    str r6, [r7], #4
    str.w r8, [r9, r10, lsl #2]
    strb.w r11, [r12, #2048]
    strb r0, [r1, #-3]
    strb r2, [r3], #1
    strb.w r4, [r5, r6]
    strh.w r7, [r8, #6]
    strh r9, [r10, #-6]!
    strh.w r11, [r12, r0, lsl #3]
    ldr.w r1, 3f
    ldr.w r2, rare_encodings
    ldrb.w r3, 3f
    ldrsb.w r4, 3f
    ldrh.w r5, 3f
    ldrsh.w r6, 3f
    ldrd r0, r1, [r2]
    ldrd r3, r4, [r5, #-1020]
    ldrd r6, r7, [r8, #8]!
    ldrd r9, r10, [r11], #-4
    strd r0, r1, [r2, #1020]
    strd r3, r4, [r5, #-8]!
    strd r6, r7, [sp], #16
    ldrd r8, r9, 3f
    ldrex r0, [r1]
    ldrex r2, [r3, #1020]
    strex r4, r5, [r6]
    strex r7, r8, [r9, #4]
    ldrexb r10, [r11]
    ldrexh r12, [r0]
    strexb r1, r2, [r3]
    strexh r4, r5, [r6]
    push.w {r4}
    pop.w {r5}
    push.w {r4-r11, lr}
    pop.w {r4-r11, pc}
    push.w {r0, r1}
    pop.w {r2, r3}
    stmdb r0!, {r1, r2}
    stmdb r3, {r4, lr}
    ldmdb r5!, {r6, r7}
    ldmdb r8, {r9, pc}
    stm.w r9!, {r0, r1}
    stm r10, {r0, lr}
    ldm.w r11!, {r0, r1}
    ldm.w r12, {r1, lr}
    ldmia.w sp, {r0, r1}
    stmia.w sp, {r0, r1}
    ldm r0, {r8, r9}
    ldm r0!, {r8, r9}
    /* Branches, IT blocks of every shape. */
    cbz r0, 4f
    cbnz r7, 4f
    it eq
    moveq r0, r1
    itt ne
    addne r0, r1
    subne r2, r3, #1
    ite gt
    movgt r0, #1
    movle r0, #0
    itet lt
    lsllt r0, r1, #2
    lslge r0, r1, #3
    asrlt r0, r1
    itttt hi
    addhi.w r0, r1, r2
    ldrhi r0, [r1]
    strhi r0, [r1, #4]
    bhi 4f
    iteee cs
    movcs r1, r2
    movcc r3, r4
    addcc r5, r6
    mulcc r7, r0, r7
    itee mi
    negmi r0, r1
    cmppl r2, r3
    cmnpl r4, r5
    it vc
    bvc 4f
    itt ge
    addge r0, r1, r2
    popge {r4, pc}
    itt le
    rsble r1, r1, #0
    blxle r3
    ite ls
    tstls r1, r2
    adcshi r1, r2
    it eq
    ldmeq r0!, {r1, r2}
    it pl
    bxpl lr
    beq.w 4f
    bne.w rare_encodings
    b.w 4f
    tbb [r0, r1]
    tbh [r2, r3, lsl #1]
    tbb [pc, r4]
    .balign 4
3:  .word 0xCAFEF00D
4:
#endif
#if defined(__ARM_ARCH_7EM__)
    /* DSP extension forms not produced by the intrinsics in dsp.c. */
    smlalbb r0, r1, r2, r3
    smlalbt r4, r5, r6, r7
    smlaltb r8, r9, r10, r11
    smlaltt r12, r0, r1, r2
    smlald r0, r1, r2, r3
    smlaldx r4, r5, r6, r7
    smlsld r8, r9, r10, r11
    smlsldx r12, r0, r1, r2
    umaal r0, r1, r2, r3
    smmul r0, r1, r2
    smmulr r3, r4, r5
    smmla r6, r7, r8, r9
    smmlar r10, r11, r12, r0
    smmls r1, r2, r3, r4
    smmlsr r5, r6, r7, r8
    ssat16 r0, #1, r1
    ssat16 r2, #16, r3
    usat16 r4, #0, r5
    usat16 r6, #15, r7
    usad8 r0, r1, r2
    usada8 r3, r4, r5, r6
    qdsub r0, r1, r2
    qdadd r3, r4, r5
    pkhbt r0, r1, r2
    pkhbt r3, r4, r5, lsl #16
    pkhtb r6, r7, r8, asr #16
    pkhtb r9, r10, r11, asr #32
    sxtb16 r0, r1, ror #8
    uxtb16 r2, r3, ror #16
    sxtab16 r4, r5, r6, ror #24
    uxtab16 r7, r8, r9
    sel r10, r11, r12
    smlabb r0, r1, r2, r3
    smulbb r4, r5, r6
    smlawb r7, r8, r9, r10
    smulwt r11, r12, r0
    smlad r0, r1, r2, r3
    smuadx r4, r5, r6
    smlsdx r7, r8, r9, r10
    smusd r11, r12, r0
    qadd8 r0, r1, r2
    uqsub16 r3, r4, r5
    shasx r6, r7, r8
    uhsax r9, r10, r11
#endif
    bx lr
    .size rare_encodings, . - rare_encodings

    /* Data in a code section: mapping symbols make objdump print these as data. */
    .global rare_data
    .type rare_data, %function
    .thumb_func
rare_data:
    bx lr
    .byte 1, 2, 3
    .balign 2
    .short 0x1234
    .balign 4
    .word 0xDEADBEEF, rare_encodings
    .byte 0xAA
    .balign 2
    nop
    .size rare_data, . - rare_data
