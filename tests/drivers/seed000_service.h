/* seed000_service.h - the user-mode side of seed 000's protocol: the buffers
 * FilterGetMessage and FilterReplyMessage take for the driver's messages, the verdicts
 * the service gives, and its answering loop. */
#ifndef SEED000_SERVICE_H
#define SEED000_SERVICE_H
#include <fltuser.h>
#include "seed000.h"

#define SEED000_CREATE_VERDICT 0xA110
#define SEED000_EXIT_VERDICT 0xB0B

typedef struct _SEED000_SERVICE_MESSAGE {
    FILTER_MESSAGE_HEADER Header;
    SEED000_MESSAGE Message;
} SEED000_SERVICE_MESSAGE;

typedef struct _SEED000_SERVICE_REPLY {
    FILTER_REPLY_HEADER Header;
    SEED000_REPLY Reply;
} SEED000_SERVICE_REPLY;

/* Answers each message on Port until the port fails, counting the answers in
 * Answered; runs in a user-mode thread, its buffers on its own stack. */
static inline VOID Seed000AnswerMessages(HANDLE Port, volatile LONG *Answered)
{
    SEED000_SERVICE_MESSAGE Received;
    while (FilterGetMessage(Port, &Received.Header, sizeof(Received), NULL) == S_OK) {
        SEED000_SERVICE_REPLY Answer;
        RtlZeroMemory(&Answer, sizeof(Answer));
        Answer.Header.MessageId = Received.Header.MessageId;
        Answer.Reply.Verdict = Received.Message.Create ? SEED000_CREATE_VERDICT : SEED000_EXIT_VERDICT;
        FilterReplyMessage(Port, &Answer.Header, sizeof(Answer));
        InterlockedIncrement(Answered);
    }
}

#endif
