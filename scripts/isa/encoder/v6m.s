@ Encoder-choice statements for ARMv6-M (Cortex-M0+): see v7em.s.
    .syntax unified
    .thumb
    .text
start:
    adds r0, r0, #1
    adds r0, r1, #7
    subs r0, r0, #255
    adds r0, r1, r2
    subs r0, r1, r2
    add r8, r8, r1
    add r0, r0, r8
    add r0, sp, #16
    add sp, sp, #16
    sub sp, sp, #16
    add r0, r0, sp
    rsbs r0, r1, #0
    ands r0, r0, r1
    orrs r0, r0, r1
    eors r0, r0, r1
    bics r0, r0, r1
    mvns r0, r1
    adcs r0, r0, r1
    sbcs r0, r0, r1
    movs r0, #0
    movs r0, #200
    movs r0, r1
    mov r0, r1
    mov r8, r1
    lsls r0, r1, #2
    lsrs r0, r1, #32
    asrs r0, r1, #1
    lsls r0, r0, r1
    rors r0, r0, r1
    cmp r0, #0
    cmp r0, r1
    cmp r8, r1
    cmn r0, r1
    tst r0, r1
    muls r0, r1, r0
    sxtb r0, r1
    uxth r0, r1
    rev r0, r1
    rev16 r0, r1
    revsh r0, r1
    ldr r0, [r1]
    ldr r0, [r1, #124]
    ldr r0, [r1, r2]
    ldr r0, [sp, #8]
    ldrb r0, [r1, #31]
    ldrh r0, [r1, #62]
    ldrsb r0, [r1, r2]
    ldrsh r0, [r1, r2]
    str r0, [r1, #4]
    str r0, [sp, #1020]
    strb r0, [r1, r2]
    strh r0, [r1, #2]
    ldm r0!, {r1, r2}
    ldm r0, {r0, r1}
    stm r0!, {r1, r2}
    push {r4-r7, lr}
    pop {r4-r7, pc}
    bx lr
    blx r3
    beq start
    b start
    bl start
    nop
    wfi
    dmb sy
    svc #1
    cpsid i
    mrs r0, PRIMASK
    msr PRIMASK, r0
    bx lr
