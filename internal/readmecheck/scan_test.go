package readmecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

const modulePath = "github.com/sqstemp/sqstemp"

// libraryRoots are the packages a user of the library imports; the scan
// follows their imports within the module.
var libraryRoots = []string{"sqsapi", "virtualqueue", "sweeper", "tempqueue", "requester", "responder"}

// sqsOperations returns the names of the operations of *sqs.Client: its
// methods of the form X(ctx, *XInput, ...func(*sqs.Options)) (*XOutput, error).
func sqsOperations() map[string]bool {
	ops := map[string]bool{}
	t := reflect.TypeFor[*sqs.Client]()
	for i := range t.NumMethod() {
		m := t.Method(i)
		ft := m.Type
		if ft.NumIn() == 4 && ft.NumOut() == 2 && ft.In(2).Kind() == reflect.Pointer && ft.In(2).Elem().Name() == m.Name+"Input" {
			ops[m.Name] = true
		}
	}
	return ops
}

// call is an SQS operation named in the code, and where.
type call struct {
	op  string
	pos string
}

// scanCalls returns the SQS operations that the non-test code of the
// packages in dirs (relative to root, followed through their imports within
// the module) calls on its own account: a selector naming an operation
// (a call or a method value) inside a function of another name. A method
// X that only hands the caller's X on (a wrapper's pass-through) is the
// caller's call, not the library's, and is left out.
func scanCalls(root string, dirs []string) ([]call, error) {
	ops := sqsOperations()
	fset := token.NewFileSet()
	seen := map[string]bool{}
	var calls []call
	for queue := dirs; len(queue) > 0; {
		dir := queue[0]
		queue = queue[1:]
		if seen[dir] {
			continue
		}
		seen[dir] = true
		files, err := parseDir(fset, filepath.Join(root, dir))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			calls = append(calls, callsIn(fset, f, ops)...)
			for _, imp := range f.Imports {
				if rest, ok := strings.CutPrefix(strings.Trim(imp.Path.Value, `"`), modulePath+"/"); ok {
					queue = append(queue, rest)
				}
			}
		}
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].op < calls[j].op })
	return calls, nil
}

// parseDir parses the non-test Go files of dir.
func parseDir(fset *token.FileSet, dir string) ([]*ast.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// callsIn returns the operations f names outside functions of the same name.
func callsIn(fset *token.FileSet, f *ast.File, ops map[string]bool) []call {
	var calls []call
	for _, d := range f.Decls {
		enclosing := ""
		if fd, ok := d.(*ast.FuncDecl); ok {
			enclosing = fd.Name.Name
		}
		ast.Inspect(d, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && ops[sel.Sel.Name] && sel.Sel.Name != enclosing {
				calls = append(calls, call{sel.Sel.Name, fset.Position(sel.Pos()).String()})
			}
			return true
		})
	}
	return calls
}

// action is the IAM action that authorizes an SQS operation: the batch
// operations need the action of their single form.
func action(op string) string {
	return "sqs:" + strings.TrimSuffix(op, "Batch")
}
