/*
 * The 16550A UART of uart.h. Register map (PC16550D datasheet, Table II),
 * offsets from the base port; DLAB is LCR bit 7:
 *
 *   0  R: RBR (DLAB 0) / DLL (DLAB 1)     W: THR / DLL
 *   1  IER (DLAB 0) / DLM (DLAB 1)        bits 0 ERBFI, 1 ETBEI, 2 ELSI, 3 EDSSI
 *   2  R: IIR                             W: FCR
 *   3  LCR            4  MCR              5  LSR (read only)
 *   6  MSR (read only)                    7  SCR
 *
 * IIR (Table IV), highest priority first: 0x6 receiver line status (reset by
 * reading LSR), 0x4 received data available and 0xC character timeout (reset
 * by reading RBR until the FIFO is below its trigger level / empty), 0x2
 * transmitter holding register empty (reset by reading IIR when it is the
 * source, or by writing THR), 0x0 modem status (reset by reading MSR); bit 0
 * set means nothing is pending; bits 7:6 are set while the FIFOs are enabled.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uart.h"

#define UART_IER_ERBFI 0x01
#define UART_IER_ETBEI 0x02
#define UART_IER_ELSI 0x04
#define UART_IER_EDSSI 0x08
#define UART_IER_MASK 0x0f /* the 16550 has no other IER bits */

#define UART_IIR_NONE 0x01
#define UART_IIR_RLS 0x06
#define UART_IIR_RDA 0x04
#define UART_IIR_CTI 0x0c
#define UART_IIR_THRE 0x02
#define UART_IIR_MS 0x00
#define UART_IIR_FIFO 0xc0

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f

#define UART_LSR_DR 0x01
#define UART_LSR_OE 0x02
#define UART_LSR_ERRORS 0x1e /* OE, PE, FE, BI */
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

static unsigned
rx_capacity(const struct uart *u)
{
	return (u->fcr & UART_FCR_ENABLE) ? UART_FIFO_SIZE : 1;
}

/* FCR bits 7:6: the receiver trigger level, 1, 4, 8 or 14 bytes. */
static unsigned
rx_trigger(const struct uart *u)
{
	static const unsigned level[4] = {1, 4, 8, 14};

	return (u->fcr & UART_FCR_ENABLE) ? level[u->fcr >> 6] : 1;
}

static void
rx_push(struct uart *u, uint8_t byte)
{
	if (u->rx_count == rx_capacity(u)) {
		u->lsr_errors |= UART_LSR_OE; /* the new byte is lost */
		return;
	}
	u->rbr_fifo[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
}

/* Moves what the peer sent into the FIFO while it has room. */
static void
rx_refill(struct uart *u)
{
	while (u->in_len > 0 && u->rx_count < rx_capacity(u)) {
		rx_push(u, u->input[u->in_head]);
		u->in_head++;
		u->in_len--;
		u->rx_bytes++;
	}
	if (u->in_len == 0)
		u->in_head = 0;
}

/* The highest-priority pending source (Table IV), or UART_IIR_NONE. */
static uint8_t
pending_iir(const struct uart *u)
{
	if ((u->ier & UART_IER_ELSI) && (u->lsr_errors & UART_LSR_ERRORS))
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count > 0)
		/*
		 * Below the trigger level the datasheet raises a character
		 * timeout once four character times pass with no FIFO
		 * activity; with no line timing here, that time has passed.
		 */
		return u->rx_count >= rx_trigger(u) ? UART_IIR_RDA : UART_IIR_CTI;
	if ((u->ier & UART_IER_ETBEI) && u->thr_ipending)
		return UART_IIR_THRE;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & UART_MSR_DELTAS))
		return UART_IIR_MS;
	return UART_IIR_NONE;
}

static void
update_irq(struct uart *u)
{
	bool out = pending_iir(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) &&
	    !(u->mcr & UART_MCR_LOOP);

	if (out == u->irq)
		return;
	u->irq = out;
	if (out)
		u->irq_raised++;
	if (u->irq_cb != NULL)
		u->irq_cb(u->opaque, out);
}

/*
 * MSR's upper nibble: in loopback the MCR outputs drive the modem inputs
 * (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD); otherwise the peer is always
 * there and ready (CTS, DSR, DCD). The deltas record changes, and TERI a
 * trailing edge of RI.
 */
static void
update_msr(struct uart *u)
{
	uint8_t in, old = u->msr;

	if (u->mcr & UART_MCR_LOOP)
		in = ((u->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
		    ((u->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
		    ((u->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
		    ((u->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
	else
		in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	u->msr = (uint8_t)((old & UART_MSR_DELTAS) | in);
	if ((old ^ in) & UART_MSR_CTS)
		u->msr |= UART_MSR_DCTS;
	if ((old ^ in) & UART_MSR_DSR)
		u->msr |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(in & UART_MSR_RI))
		u->msr |= UART_MSR_TERI;
	if ((old ^ in) & UART_MSR_DCD)
		u->msr |= UART_MSR_DDCD;
}

void
uart_init(struct uart *u, void (*tx_cb)(void *, uint8_t), void (*irq_cb)(void *, bool),
    void *opaque)
{
	memset(u, 0, sizeof *u);
	pthread_mutex_init(&u->lock, NULL);
	u->tx_cb = tx_cb;
	u->irq_cb = irq_cb;
	u->opaque = opaque;
	/* Master reset (datasheet Table III): THR empty, the rest 0. */
	u->msr = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
}

void
uart_destroy(struct uart *u)
{
	free(u->input);
	u->input = NULL;
	pthread_mutex_destroy(&u->lock);
}

/* Queues bytes from the peer; lock held. */
static int
input_locked(struct uart *u, const uint8_t *p, size_t n)
{
	uint8_t *grown;

	if (n > UART_INPUT_MAX - u->in_len)
		return -ENOSPC;
	if (u->in_head > 0 && u->in_len > 0)
		memmove(u->input, u->input + u->in_head, u->in_len);
	u->in_head = 0;
	grown = realloc(u->input, u->in_len + n);
	if (grown == NULL)
		return -ENOMEM;
	u->input = grown;
	memcpy(u->input + u->in_len, p, n);
	u->in_len += n;
	return 0;
}

int
uart_input(struct uart *u, const void *p, size_t n)
{
	int rc;

	pthread_mutex_lock(&u->lock);
	rc = input_locked(u, p, n);
	rx_refill(u);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return rc;
}

uint8_t
uart_read(struct uart *u, unsigned offset)
{
	uint8_t v = 0;

	pthread_mutex_lock(&u->lock);
	switch (offset & 7) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			v = u->dll;
			break;
		}
		if (u->rx_count > 0) {
			v = u->rbr_fifo[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
			u->rx_count--;
			rx_refill(u);
		}
		break;
	case 1:
		v = (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2:
		v = pending_iir(u);
		if (v == UART_IIR_THRE)
			u->thr_ipending = false;
		if (u->fcr & UART_FCR_ENABLE)
			v |= UART_IIR_FIFO;
		break;
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		/* The transmitter is always empty: bytes leave at once. */
		v = (uint8_t)((u->rx_count > 0 ? UART_LSR_DR : 0) | u->lsr_errors |
		    UART_LSR_THRE | UART_LSR_TEMT);
		u->lsr_errors = 0;
		break;
	case 6:
		v = u->msr;
		u->msr &= (uint8_t)~UART_MSR_DELTAS;
		break;
	case 7:
		v = u->scr;
		break;
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return v;
}

static void
transmit(struct uart *u, uint8_t byte)
{
	u->tx_bytes++;
	if (u->mcr & UART_MCR_LOOP) {
		/* Loopback: the transmitter feeds the receiver, the line stays idle. */
		rx_push(u, byte);
	} else {
		if (u->tx_cb != NULL)
			u->tx_cb(u->opaque, byte);
		if (u->loopback_cable && input_locked(u, &byte, 1) == 0)
			rx_refill(u);
	}
	/* Sent at once: THR is empty again, which arms the THRE interrupt. */
	u->thr_ipending = true;
}

void
uart_write(struct uart *u, unsigned offset, uint8_t value)
{
	uint8_t old;

	pthread_mutex_lock(&u->lock);
	switch (offset & 7) {
	case 0:
		if (u->lcr & UART_LCR_DLAB)
			u->dll = value;
		else
			transmit(u, value);
		break;
	case 1:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = value;
			break;
		}
		old = u->ier;
		u->ier = value & UART_IER_MASK;
		/*
		 * Enabling ETBEI while THR is empty raises the THRE interrupt
		 * (Table IV), which Linux's 8250 driver checks at start-up.
		 */
		if ((u->ier & UART_IER_ETBEI) && !(old & UART_IER_ETBEI))
			u->thr_ipending = true;
		break;
	case 2:
		old = u->fcr;
		/* Changing FCR0 clears both FIFOs (datasheet, FCR bit 0). */
		if ((old ^ value) & UART_FCR_ENABLE)
			u->rx_count = 0;
		if (value & UART_FCR_CLEAR_RX)
			u->rx_count = 0;
		u->rx_head %= UART_FIFO_SIZE;
		u->fcr = value & 0xc9; /* enable, DMA mode, trigger level */
		rx_refill(u);
		break;
	case 3:
		u->lcr = value;
		break;
	case 4:
		u->mcr = value & UART_MCR_MASK;
		update_msr(u);
		break;
	case 7:
		u->scr = value;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}
