/*
 * A 16550A UART (National Semiconductor PC16550D datasheet) for the test VM:
 * the eight registers, a 16-byte receive FIFO, and the interrupt logic of the
 * datasheet's Table IV (IIR priorities, how each source is set and reset).
 * Transmission takes no time: a byte written to THR leaves at once, so THR and
 * the transmitter are empty again when the write returns and the THRE
 * interrupt is re-armed. Received bytes wait in a host-side queue and enter
 * the FIFO whenever it has room, which is a peer with perfect flow control:
 * the FIFO never overruns.
 *
 * The interrupt output reaches the bus only while MCR OUT2 is set and the
 * UART is not in loopback mode, as on PC serial ports (OUT2 gates the IRQ
 * driver); every change of that output is reported through irq_cb, under the
 * UART's lock, so that the receiver sees the levels in order.
 */
#ifndef TESTVM_UART_H
#define TESTVM_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_FIFO_SIZE 16
#define UART_INPUT_MAX (1u << 20)

struct uart {
	pthread_mutex_t lock;
	uint8_t rbr_fifo[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;
	uint8_t *input; /* bytes the peer sent that wait for FIFO room */
	size_t in_head, in_len;
	uint8_t ier, lcr, mcr, msr, scr, dll, dlm, fcr;
	uint8_t lsr_errors; /* LSR bits 1..4, cleared by reading LSR */
	bool thr_ipending;  /* THRE interrupt armed (datasheet Table IV) */
	bool irq;	    /* the interrupt output as last reported */
	bool loopback_cable; /* the peer sends every transmitted byte back */

	uint64_t tx_bytes, rx_bytes, irq_raised;

	/* Called with the lock held. */
	void (*tx_cb)(void *opaque, uint8_t byte);
	void (*irq_cb)(void *opaque, bool level);
	void *opaque;
};

void uart_init(struct uart *, void (*tx_cb)(void *, uint8_t),
    void (*irq_cb)(void *, bool), void *opaque);
void uart_destroy(struct uart *);
/* A guest access to register offset 0..7. */
uint8_t uart_read(struct uart *, unsigned offset);
void uart_write(struct uart *, unsigned offset, uint8_t value);
/* The peer sends bytes; -ENOSPC when the queue would pass UART_INPUT_MAX. */
int uart_input(struct uart *, const void *, size_t);

#endif
