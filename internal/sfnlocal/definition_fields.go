package sfnlocal

import (
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

func validPathAt(p optPath, at string) error {
	if !p.set || p.null {
		return nil
	}
	if err := asl.ValidPath(p.path); err != nil {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: The value for the field must be a valid JSONPath (%v) at %s", err, at)
	}
	return nil
}

func validReferencePath(p, at string) error {
	if p == "" {
		return nil
	}
	if err := asl.ValidReferencePath(p); err != nil {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: The value for the field must be a valid Reference Path (%v) at %s", err, at)
	}
	return nil
}

func validResultPath(p optPath, at string) error {
	if !p.set || p.null {
		return nil
	}
	if err := asl.ValidResultPath(p.path); err != nil {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: The value for the field must be a valid Reference Path (%v) at %s", err, at)
	}
	return nil
}

func validErrorEquals(errs []string, at string) error {
	if err := asl.ValidErrorEquals(errs); err != nil {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: %v at %s/ErrorEquals", err, at)
	}
	return nil
}

// validatePaths checks the input/output processing fields a state may carry.
func (st *state) validatePaths(at string) error {
	noResult := st.Type == typeSucceed || st.Type == typeFail || st.Type == typeChoice || st.Type == typeWait
	if noResult && (st.ResultPath.set || len(st.Parameters) > 0 || len(st.ResultSelector) > 0) {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Fields 'ResultPath', 'Parameters' and 'ResultSelector' are not supported for %s states at %s", st.Type, at)
	}
	if st.Type == typePass && len(st.ResultSelector) > 0 {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Field 'ResultSelector' is not supported for Pass states at %s", at)
	}
	if st.Type == typeFail && (st.InputPath.set || st.OutputPath.set) {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: Fields 'InputPath' and 'OutputPath' are not supported for Fail states at %s", at)
	}
	if err := validPathAt(st.InputPath, at+"/InputPath"); err != nil {
		return err
	}
	if err := validPathAt(st.OutputPath, at+"/OutputPath"); err != nil {
		return err
	}
	if err := validResultPath(st.ResultPath, at+"/ResultPath"); err != nil {
		return err
	}
	if err := validStringSource(st.ErrorPath, at+"/ErrorPath"); err != nil {
		return err
	}
	return validStringSource(st.CausePath, at+"/CausePath")
}

// validStringSource checks a field that takes a reference path or an
// intrinsic function (a Fail state's ErrorPath and CausePath).
func validStringSource(p, at string) error {
	if !asl.IsIntrinsic(p) {
		return validReferencePath(p, at)
	}
	if err := asl.ValidIntrinsic(p); err != nil {
		return fmt.Errorf("SCHEMA_VALIDATION_FAILED: The value for the field must be a valid Reference Path or a valid intrinsic function call (%v) at %s", err, at)
	}
	return nil
}

// compileTemplates parses the payload templates and the Pass Result.
func (st *state) compileTemplates(at string) error {
	var err error
	if st.params, err = compileTemplate(st.Parameters, at+"/Parameters"); err != nil {
		return err
	}
	if st.selector, err = compileTemplate(st.ResultSelector, at+"/ResultSelector"); err != nil {
		return err
	}
	if st.itemSelector, err = compileTemplate(st.ItemSelector, at+"/ItemSelector"); err != nil {
		return err
	}
	if len(st.Result) > 0 {
		if st.result, err = asl.ParseJSON(st.Result); err != nil {
			return fmt.Errorf("SCHEMA_VALIDATION_FAILED: %v at %s/Result", err, at)
		}
	}
	return nil
}

// parseTimestamp reads the RFC3339 timestamps of Wait states.
func parseTimestamp(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}
