/* fs/list.h - an intrusive doubly linked list: the block cache's hot list,
 * the transfers in flight, the open file handles.
 *
 * An item embeds a struct list_link; list_item() gets the item back.  No
 * locking and no allocation: the owner of the list holds its own lock.
 */
#ifndef FS_LIST_H
#define FS_LIST_H

#include <stddef.h>

struct list_link {
	struct list_link *prev, *next;
};

struct list {
	struct list_link *head, *tail;
};

#define list_item(link, type, member) \
	((type *)(void *)((char *)(link) - offsetof(type, member)))

static inline void list_push_front(struct list *l, struct list_link *e)
{
	e->prev = NULL;
	e->next = l->head;
	if (l->head)
		l->head->prev = e;
	else
		l->tail = e;
	l->head = e;
}

static inline void list_push_back(struct list *l, struct list_link *e)
{
	e->next = NULL;
	e->prev = l->tail;
	if (l->tail)
		l->tail->next = e;
	else
		l->head = e;
	l->tail = e;
}

static inline void list_remove(struct list *l, struct list_link *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
}

#endif
