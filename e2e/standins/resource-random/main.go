// Command pulumi-resource-random is a stand-in for the random provider, whose provider module
// (github.com/pulumi/pulumi-random/provider/v4) the Go module proxy does not serve. It implements
// only random:index/randomPassword:RandomPassword, the one type this program uses, with the
// upstream shape: every input is replace-on-change, `result` and `bcryptHash` are secret outputs,
// the ID is "none", and refresh returns the state unchanged.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
)

var version = "0.0.0-dev" // set by -ldflags -X main.version

const passwordType = "random:index/randomPassword:RandomPassword"

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numericChars = "0123456789"
	// The upstream provider's default special set.
	defaultSpecial = "!@#$%&*()-_=+[]{}<>:?"
)

// Inputs with their upstream defaults.
var boolDefaults = map[resource.PropertyKey]bool{"lower": true, "upper": true, "numeric": true, "number": true, "special": true}
var intDefaults = []resource.PropertyKey{"minLower", "minUpper", "minNumeric", "minSpecial"}

type randomProvider struct{ plugin.UnimplementedProvider }

func (randomProvider) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v := semver.MustParse(version)
	return plugin.PluginInfo{Version: &v}, nil
}

func (randomProvider) CheckConfig(_ context.Context, req plugin.CheckConfigRequest) (plugin.CheckConfigResponse, error) {
	return plugin.CheckConfigResponse{Properties: req.News}, nil
}

func (randomProvider) DiffConfig(context.Context, plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return plugin.DiffResult{Changes: plugin.DiffNone}, nil
}

func (randomProvider) Configure(context.Context, plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	return plugin.ConfigureResponse{}, nil
}

func (randomProvider) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	if req.Type != passwordType {
		return plugin.CheckResponse{}, fmt.Errorf("stand-in random provider: unsupported type %s", req.Type)
	}
	news := req.News.Copy()
	for k, d := range boolDefaults {
		if _, ok := news[k]; !ok {
			news[k] = resource.NewBoolProperty(d)
		}
	}
	for _, k := range intDefaults {
		if _, ok := news[k]; !ok {
			news[k] = resource.NewNumberProperty(0)
		}
	}
	var failures []plugin.CheckFailure
	length, ok := news["length"]
	switch {
	case !ok:
		failures = append(failures, plugin.CheckFailure{Property: "length", Reason: "length is required"})
	case length.IsNumber():
		mins := 0.0
		for _, k := range intDefaults {
			if news[k].IsNumber() {
				mins += news[k].NumberValue()
			}
		}
		if length.NumberValue() < 1 || length.NumberValue() < mins {
			failures = append(failures, plugin.CheckFailure{Property: "length",
				Reason: fmt.Sprintf("length must be at least 1 and at least the sum of the minimums (%v)", mins)})
		}
	}
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

// Diff: every input forces a new password, as upstream.
func (randomProvider) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	diff := req.OldInputs.Diff(req.NewInputs)
	if diff == nil || !diff.AnyChanges() {
		return plugin.DiffResult{Changes: plugin.DiffNone}, nil
	}
	keys := diff.ChangedKeys()
	return plugin.DiffResult{Changes: plugin.DiffSome, ChangedKeys: keys, ReplaceKeys: keys,
		DeleteBeforeReplace: false}, nil
}

func (randomProvider) Create(_ context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	outs := req.Properties.Copy()
	if req.Preview {
		outs["result"] = resource.MakeComputed(resource.NewStringProperty(""))
		outs["bcryptHash"] = resource.MakeComputed(resource.NewStringProperty(""))
		return plugin.CreateResponse{ID: "", Properties: outs}, nil
	}
	password, err := generate(req.Properties)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	outs["result"] = resource.MakeSecret(resource.NewStringProperty(password))
	outs["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(string(hash)))
	return plugin.CreateResponse{ID: "none", Properties: outs, Status: resource.StatusOK}, nil
}

func (randomProvider) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	return plugin.ReadResponse{ReadResult: plugin.ReadResult{ID: req.ID, Inputs: req.Inputs, Outputs: req.State},
		Status: resource.StatusOK}, nil
}

func (randomProvider) Delete(context.Context, plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	return plugin.DeleteResponse{Status: resource.StatusOK}, nil
}

func boolInput(props resource.PropertyMap, k resource.PropertyKey) bool {
	if v, ok := props[k]; ok && v.IsBool() {
		return v.BoolValue()
	}
	return boolDefaults[k]
}

func intInput(props resource.PropertyMap, k resource.PropertyKey) int {
	if v, ok := props[k]; ok && v.IsNumber() {
		return int(v.NumberValue())
	}
	return 0
}

func pick(set string) (byte, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, err
	}
	return set[i.Int64()], nil
}

// generate honours the character classes and minimums, then shuffles.
func generate(props resource.PropertyMap) (string, error) {
	special := defaultSpecial
	if v, ok := props["overrideSpecial"]; ok && v.IsString() {
		special = v.StringValue()
	}
	classes := []struct {
		on    bool
		chars string
		min   int
	}{
		{boolInput(props, "lower"), lowerChars, intInput(props, "minLower")},
		{boolInput(props, "upper"), upperChars, intInput(props, "minUpper")},
		{boolInput(props, "numeric") && boolInput(props, "number"), numericChars, intInput(props, "minNumeric")},
		{boolInput(props, "special"), special, intInput(props, "minSpecial")},
	}
	var all string
	var out []byte
	for _, c := range classes {
		if !c.on || c.chars == "" {
			continue
		}
		all += c.chars
		for i := 0; i < c.min; i++ {
			b, err := pick(c.chars)
			if err != nil {
				return "", err
			}
			out = append(out, b)
		}
	}
	if all == "" {
		return "", fmt.Errorf("every character class is disabled")
	}
	for len(out) < intInput(props, "length") {
		b, err := pick(all)
		if err != nil {
			return "", err
		}
		out = append(out, b)
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func main() {
	err := provider.Main("random", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return plugin.NewProviderServer(&randomProvider{}), nil
	})
	if err != nil {
		fmt.Println(err)
	}
}
