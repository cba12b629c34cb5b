// Load generator and echo server for benchmarks/udp/udp_bench.py (UDP proxies side by side).
//   udpload echo PORT
//       answers every datagram on 127.0.0.1:PORT with the same bytes, 64 at a time (recvmmsg/sendmmsg).
//   udpload client PORT SECONDS SOCKETS WINDOW
//       SOCKETS client sockets (each its own source port: a session each), each keeping WINDOW datagrams of 64
//       bytes in flight to 127.0.0.1:PORT; a datagram carries its send time, so each reply gives a latency. After
//       0.5 s of warm-up, counts replies for SECONDS and prints: datagrams/s, p50 us, p99 us, lost.
//       A datagram unanswered for 200 ms counts as lost and is sent again.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PAYLOAD 64
#define MAX_US 200000

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int echo(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
    static char bufs[BATCH][2048];
    static struct sockaddr_in names[BATCH];
    static struct iovec iov[BATCH];
    static struct mmsghdr msgs[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = bufs[i]; iov[i].iov_len = sizeof bufs[i];
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_name = &names[i]; msgs[i].msg_hdr.msg_namelen = sizeof names[i];
            msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        for (int i = 0; i < n; i++) iov[i].iov_len = msgs[i].msg_len;
        sendmmsg(fd, msgs, n, 0);
    }
}

static int client(int port, double seconds, int sockets, int window) {
    int ep = epoll_create1(0);
    int *fds = calloc(sockets, sizeof(int));
    uint64_t *last = calloc((size_t)sockets, sizeof(uint64_t));
    uint32_t *hist = calloc(MAX_US + 1, sizeof(uint32_t));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    char msg[PAYLOAD] = {0};
    for (int s = 0; s < sockets; s++) {
        fds[s] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (connect(fds[s], (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)s};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[s], &ev);
        for (int w = 0; w < window; w++) {
            uint64_t t = now_ns();
            memcpy(msg, &t, sizeof t);
            send(fds[s], msg, sizeof msg, 0);
        }
        last[s] = now_ns();
    }
    uint64_t start = now_ns(), measure_from = start + 500000000ull;
    uint64_t end = measure_from + (uint64_t)(seconds * 1e9);
    uint64_t count = 0, lost = 0;
    struct epoll_event evs[256];
    char buf[2048];
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end) break;
        int n = epoll_wait(ep, evs, 256, 10);
        now = now_ns();
        for (int i = 0; i < n; i++) {
            int s = (int)evs[i].data.u32;
            for (;;) {
                ssize_t r = recv(fds[s], buf, sizeof buf, 0);
                if (r < 0) break;
                uint64_t sent;
                memcpy(&sent, buf, sizeof sent);
                uint64_t t = now_ns();
                if (t >= measure_from && t < end && r >= (ssize_t)sizeof sent) {
                    uint64_t us = (t - sent) / 1000;
                    hist[us > MAX_US ? MAX_US : us]++;
                    count++;
                }
                last[s] = t;
                memcpy(msg, &t, sizeof t);
                send(fds[s], msg, sizeof msg, 0);
            }
        }
        for (int s = 0; s < sockets; s++) {
            if (now - last[s] > 200000000ull) {
                // The whole window of this socket is presumed lost: send it again.
                if (now >= measure_from) lost += (uint64_t)window;
                for (int w = 0; w < window; w++) {
                    uint64_t t = now_ns();
                    memcpy(msg, &t, sizeof t);
                    send(fds[s], msg, sizeof msg, 0);
                }
                last[s] = now;
            }
        }
    }
    uint64_t seen = 0, p50 = 0, p99 = 0;
    int have50 = 0, have99 = 0;
    for (int us = 0; us <= MAX_US; us++) {
        seen += hist[us];
        if (!have50 && seen * 100 >= count * 50) { p50 = (uint64_t)us; have50 = 1; }
        if (!have99 && seen * 100 >= count * 99) { p99 = (uint64_t)us; have99 = 1; }
    }
    printf("%.0f %llu %llu %llu\n", count / seconds, (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)lost);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "echo") == 0) return echo(atoi(argv[2]));
    if (argc == 6 && strcmp(argv[1], "client") == 0) return client(atoi(argv[2]), atof(argv[3]), atoi(argv[4]), atoi(argv[5]));
    fprintf(stderr, "usage: udpload echo PORT | udpload client PORT SECONDS SOCKETS WINDOW\n");
    return 2;
}
