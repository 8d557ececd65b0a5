package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sqstemp/sqstemp/responder"
)

// GetUser asks the users service for one user.
type GetUser struct {
	ID int `json:"id"`
}

// User is the users service's answer.
type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// usersHandler is the server side: a typed function made into a
// responder.Handler by responder.JSON.
func usersHandler(out io.Writer, users map[int]User) responder.Handler {
	return responder.JSON(func(ctx context.Context, req GetUser) (User, error) {
		_, hasDeadline := ctx.Deadline()
		fmt.Fprintf(out, "server: GetUser %d (ctx carries the caller's deadline: %v)\n", req.ID, hasDeadline)
		u, ok := users[req.ID]
		if !ok {
			return User{}, &responder.ReplyError{Code: "NotFound", Message: fmt.Sprintf("no user %d", req.ID)}
		}
		return u, nil
	})
}
