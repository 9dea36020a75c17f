@ Encoder-choice statements for ARMv7E-M (Cortex-M4/M7): one instruction per line, in
@ unified syntax, without .w/.n, so that GNU as picks the encoding. build-encoder-fixture.sh
@ records its choice; EncoderChoiceTests checks that sersim's encoder picks the same.
@ Lines starting with @ and blank lines are ignored; labels are allowed.
    .syntax unified
    .thumb
    .text
start:
    adds r0, r0, #1
    adds r0, r1, #7
    adds r0, r1, #8
    add r0, r0, #1
    add r0, r1, #255
    add r0, r1, #4095
    add r8, r8, #1
    add r0, r1, #0x00FF00FF
    add r0, sp, #16
    add r0, sp, #1024
    add r8, sp, #4
    add sp, sp, #16
    add sp, sp, #512
    sub sp, sp, #16
    sub sp, sp, #4096
    subs r0, r0, #1
    subs r2, r3, #4
    sub r0, r1, #1
    sub r0, r1, #4000
    subs r0, r1, #256
    rsbs r0, r1, #0
    rsb r0, r1, #0
    rsb r0, r1, #16
    adds r0, r1, r2
    add r0, r1, r2
    add r0, r0, r1
    add r8, r8, r1
    add r0, r0, r8
    add r0, r1, r2, lsl #2
    subs r0, r1, r2
    sub r0, r1, r2
    sub r0, r1, r2, asr #3
    adcs r0, r0, r1
    adc r0, r0, r1
    sbcs r2, r2, r3
    ands r0, r0, r1
    and r0, r0, r1
    and r0, r1, #255
    ands r0, r1, #0xFF00
    orrs r0, r0, r1
    orr r0, r1, #0x80000000
    eors r0, r0, r1
    eor r0, r1, r2, ror #8
    bics r0, r0, r1
    bic r0, r1, #3
    orn r0, r1, r2
    mvns r0, r1
    mvn r0, r1
    mvn r0, #0
    movs r0, #0
    movs r0, #255
    mov r0, #0
    mov r0, #256
    mov r0, #0x1234
    mov r0, #0xFFFFFFFF
    movw r0, #0x1234
    movt r0, #0xABCD
    mov r0, r1
    mov r8, r1
    mov r1, r8
    mov sp, r0
    movs r0, r1
    lsls r0, r1, #2
    lsl r0, r1, #2
    lsrs r0, r1, #31
    asrs r0, r1, #1
    asr r0, r1, #1
    ror r0, r1, #7
    lsls r0, r0, r1
    lsl r0, r1, r2
    asrs r0, r0, r1
    rors r0, r0, r1
    cmp r0, #0
    cmp r0, #255
    cmp r0, #256
    cmp r8, #1
    cmp r0, r1
    cmp r8, r1
    cmp r0, r1, lsl #1
    cmn r0, #1
    cmn r0, r1
    tst r0, #1
    tst r0, r1
    teq r0, r1
    negs r0, r1
    muls r0, r1, r0
    mul r0, r1, r0
    mul r0, r1, r2
    mla r0, r1, r2, r3
    mls r0, r1, r2, r3
    smull r0, r1, r2, r3
    umull r0, r1, r2, r3
    smlal r0, r1, r2, r3
    sdiv r0, r1, r2
    udiv r0, r1, r2
    smlabb r0, r1, r2, r3
    smlad r0, r1, r2, r3
    smladx r0, r1, r2, r3
    smuad r0, r1, r2
    smmulr r0, r1, r2
    smlawb r0, r1, r2, r3
    ssat r0, #8, r1
    ssat r0, #16, r1, asr #15
    usat r0, #8, r1
    qadd r0, r1, r2
    sadd16 r0, r1, r2
    uqadd8 r0, r1, r2
    sel r0, r1, r2
    pkhbt r0, r1, r2, lsl #16
    pkhtb r0, r1, r2, asr #16
    sxtb r0, r1
    sxtb r0, r8
    sxtb r0, r1, ror #8
    uxth r0, r1
    sxtb16 r0, r1, ror #8
    sxtab r0, r1, r2
    uxtah r0, r1, r2, ror #16
    ubfx r0, r1, #4, #8
    sbfx r0, r1, #0, #16
    bfi r0, r1, #8, #4
    bfc r0, #0, #8
    clz r0, r1
    rbit r0, r1
    rev r0, r1
    rev r8, r1
    rev16 r0, r1
    revsh r0, r1
    ldr r0, [r1]
    ldr r0, [r1, #124]
    ldr r0, [r1, #128]
    ldr r0, [r1, #-4]
    ldr r0, [r1, #4]!
    ldr r0, [r1], #4
    ldr r0, [r1, r2]
    ldr r0, [r1, r2, lsl #2]
    ldr r8, [r1]
    ldr r0, [sp, #8]
    ldr r0, [sp, #1024]
    ldr r0, [sp, #-8]
    ldrb r0, [r1, #31]
    ldrb r0, [r1, #32]
    ldrb r0, [r1, r2]
    ldrsb r0, [r1, r2]
    ldrsb r0, [r1, #1]
    ldrh r0, [r1, #62]
    ldrh r0, [r1, #64]
    ldrsh r0, [r1]
    ldrsh r0, [r1, r2]
    str r0, [r1]
    str r0, [r1, #124]
    str r0, [r1, #128]
    str r0, [sp, #1020]
    str r0, [r1, #-4]!
    str r8, [r1, #4]
    strb r0, [r1, #31]
    strb r0, [r1, r2]
    strh r0, [r1, #2]
    strh r0, [r1, #-2]
    ldrd r0, r1, [r2]
    ldrd r0, r1, [r2, #8]
    strd r0, r1, [sp, #-8]!
    ldrex r0, [r1]
    strex r2, r0, [r1]
    ldm r0!, {r1, r2}
    ldm r0, {r0, r1}
    ldm r0, {r1, r2}
    ldm r8, {r1, r2}
    stm r0!, {r1, r2}
    stm r0, {r1, r2}
    stmdb r0!, {r1, r2}
    ldmdb r0, {r1, r2}
    push {r4, lr}
    push {r4-r11, lr}
    push {r8}
    pop {r4, pc}
    pop {r4-r11, pc}
    pop {r8}
    bx lr
    blx r3
    beq start
    bne forward
    b start
    b forward
    bl start
    cbz r0, forward
    cbnz r1, forward
    tbb [r0, r1]
    tbh [r0, r1, lsl #1]
    it eq
    addeq r0, r0, r1
    ite ne
    addne r0, r0, #1
    subeq r0, r0, #1
    itt gt
    movgt r0, r1
    movgt r0, #5
    itete lt
    lsllt r0, r1, #2
    lslge r0, r1, #2
    andlt r0, r0, r1
    andge r0, r0, r1
    it cs
    addcs r8, r8, r1
    itt hi
    mulhi r0, r1, r0
    ldrhi r0, [r1, #4]
    it mi
    negmi r0, r0
    nop
    wfi
    dmb sy
    dsb sy
    isb sy
    svc #1
    bkpt #0xab
    cpsid i
    mrs r0, PRIMASK
    msr BASEPRI, r0
forward:
    bx lr
