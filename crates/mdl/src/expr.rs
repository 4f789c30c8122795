//! Constraint expressions: `+ - * /`, numbers, parameter names, parentheses and exactly one of
//! `<= >= < > ==` (SPEC §4.1). Parsed into an AST, evaluated on a point, and bounded over the
//! parameters' box with interval arithmetic to find constraints nothing can satisfy.
//!
//! Hostile input is bounded before it can cost anything: an expression longer than
//! [`MAX_CHARS`] is refused before it is read, and one nested deeper than [`MAX_NESTING`]
//! (parentheses and signs together) while it is read. The parser recurses only through those
//! two, so its depth is bounded by [`MAX_NESTING`]; `+ - * /` chains are read in loops. The tree
//! it builds is at most as tall as the expression is long (each level needs an operator
//! character), which bounds the recursion of [`Expr::eval`], [`Expr::interval`],
//! [`Expr::variables`], `Clone` and `Drop` too (a test runs them on a 256 KiB stack).

use std::collections::HashMap;

/// The longest expression accepted, in characters.
pub const MAX_CHARS: usize = 1_000;

/// The deepest nesting accepted: parentheses and unary signs together, e.g. `-(-(x))` is 4.
pub const MAX_NESTING: usize = 64;

/// An arithmetic expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Number(f64),
    /// A parameter's value.
    Var(String),
    /// `-e`.
    Neg(Box<Expr>),
    /// `a op b`.
    Binary(Box<Expr>, BinOp, Box<Expr>),
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `==` (within a tolerance)
    Eq,
}

/// `lhs op rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Left side.
    pub lhs: Expr,
    /// The comparison.
    pub op: CmpOp,
    /// Right side.
    pub rhs: Expr,
}

/// A parse error with the character offset where it was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at character {position})")]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
    /// 0-based character offset.
    pub position: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Ident(String),
    Op(char),
    Cmp(CmpOp),
    LParen,
    RParen,
}

fn tokenize(src: &str) -> Result<Vec<(Token, usize)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || chars[i] == '.'
                    || ((chars[i] == 'e' || chars[i] == 'E')
                        && chars
                            .get(i + 1)
                            .is_some_and(|n| n.is_ascii_digit() || *n == '-' || *n == '+'))
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let value = text.parse::<f64>().map_err(|_| ParseError {
                message: format!("'{text}' is not a number"),
                position: start,
            })?;
            out.push((Token::Num(value), start));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), start));
            continue;
        }
        let next = chars.get(i + 1).copied();
        let (token, width) = match (c, next) {
            ('<', Some('=')) => (Token::Cmp(CmpOp::Le), 2),
            ('>', Some('=')) => (Token::Cmp(CmpOp::Ge), 2),
            ('=', Some('=')) => (Token::Cmp(CmpOp::Eq), 2),
            ('<', _) => (Token::Cmp(CmpOp::Lt), 1),
            ('>', _) => (Token::Cmp(CmpOp::Gt), 1),
            ('=', _) => {
                return Err(ParseError {
                    message: "use '==' for equality".into(),
                    position: start,
                })
            }
            ('+' | '-' | '*' | '/', _) => (Token::Op(c), 1),
            ('(', _) => (Token::LParen, 1),
            (')', _) => (Token::RParen, 1),
            _ => {
                return Err(ParseError {
                    message: format!("unexpected character '{c}'"),
                    position: start,
                })
            }
        };
        out.push((token, start));
        i += width;
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    end: usize,
    /// Open parentheses and unary signs around the current position.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn here(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, p)| *p)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            message: message.into(),
            position: self.here(),
        })
    }

    /// Steps into a parenthesis or a sign: `inner` runs one level deeper, refused past
    /// [`MAX_NESTING`].
    fn nested<T>(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        if self.depth >= MAX_NESTING {
            return self.error(format!(
                "nested too deeply: at most {MAX_NESTING} levels of parentheses and signs"
            ));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.term()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.peek() {
            let op = if *op == '+' { BinOp::Add } else { BinOp::Sub };
            self.pos += 1;
            let right = self.term()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while let Some(Token::Op(op @ ('*' | '/'))) = self.peek() {
            let op = if *op == '*' { BinOp::Mul } else { BinOp::Div };
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::Binary(Box::new(left), op, Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Some(Token::Op('-')) => self.nested(|p| {
                p.pos += 1;
                Ok(Expr::Neg(Box::new(p.unary()?)))
            }),
            Some(Token::Op('+')) => self.nested(|p| {
                p.pos += 1;
                p.unary()
            }),
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        match self.peek().cloned() {
            Some(Token::Num(v)) => {
                self.pos += 1;
                Ok(Expr::Number(v))
            }
            Some(Token::Ident(name)) => {
                self.pos += 1;
                Ok(Expr::Var(name))
            }
            Some(Token::LParen) => self.nested(|p| {
                p.pos += 1;
                let inner = p.expr()?;
                if p.peek() != Some(&Token::RParen) {
                    return p.error("missing ')'");
                }
                p.pos += 1;
                Ok(inner)
            }),
            Some(_) => self.error("expected a number, a parameter name or '('"),
            None => self.error("the expression ends too early"),
        }
    }
}

/// Parses `lhs op rhs`. Chained comparisons such as `0 < x < 1` are rejected with a hint;
/// expressions longer than [`MAX_CHARS`] or nested deeper than [`MAX_NESTING`] are refused.
pub fn parse(src: &str) -> Result<Comparison, ParseError> {
    if src.chars().nth(MAX_CHARS).is_some() {
        return Err(ParseError {
            message: format!("too long: at most {MAX_CHARS} characters"),
            position: MAX_CHARS,
        });
    }
    let tokens = tokenize(src)?;
    let comparisons: Vec<usize> = tokens
        .iter()
        .filter(|(t, _)| matches!(t, Token::Cmp(_)))
        .map(|(_, p)| *p)
        .collect();
    match comparisons.len() {
        0 => {
            return Err(ParseError {
                message: "a constraint needs one comparison: <=, >=, <, > or ==".into(),
                position: src.chars().count(),
            })
        }
        1 => {}
        _ => {
            return Err(ParseError {
                message: "chained comparisons are not supported: write two constraints, e.g. \
                          'a < x' and 'x < b' instead of 'a < x < b'"
                    .into(),
                position: comparisons[1],
            })
        }
    }
    let mut parser = Parser {
        end: src.chars().count(),
        tokens,
        pos: 0,
        depth: 0,
    };
    let lhs = parser.expr()?;
    let op = match parser.peek() {
        Some(Token::Cmp(op)) => *op,
        _ => return parser.error("expected a comparison here"),
    };
    parser.pos += 1;
    let rhs = parser.expr()?;
    if parser.pos < parser.tokens.len() {
        return parser.error("unexpected text after the expression");
    }
    Ok(Comparison { lhs, op, rhs })
}

impl Expr {
    /// Every parameter name used, in order of appearance.
    pub fn variables<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Number(_) => {}
            Expr::Var(name) => out.push(name),
            Expr::Neg(e) => e.variables(out),
            Expr::Binary(a, _, b) => {
                a.variables(out);
                b.variables(out);
            }
        }
    }

    /// The value at `values` (NaN for an unknown name or a division by zero).
    pub fn eval(&self, values: &HashMap<&str, f64>) -> f64 {
        match self {
            Expr::Number(v) => *v,
            Expr::Var(name) => values.get(name.as_str()).copied().unwrap_or(f64::NAN),
            Expr::Neg(e) => -e.eval(values),
            Expr::Binary(a, op, b) => {
                let (x, y) = (a.eval(values), b.eval(values));
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => {
                        if y == 0.0 {
                            f64::NAN
                        } else {
                            x / y
                        }
                    }
                }
            }
        }
    }

    /// Bounds of the value over the box `bounds` (interval arithmetic; sound, may be wide).
    /// `None` when unbounded (a divisor interval contains 0, or an unknown name).
    pub fn interval(&self, bounds: &HashMap<&str, (f64, f64)>) -> Option<(f64, f64)> {
        match self {
            Expr::Number(v) => Some((*v, *v)),
            Expr::Var(name) => bounds.get(name.as_str()).copied(),
            Expr::Neg(e) => e.interval(bounds).map(|(lo, hi)| (-hi, -lo)),
            Expr::Binary(a, op, b) => {
                let (a_lo, a_hi) = a.interval(bounds)?;
                let (b_lo, b_hi) = b.interval(bounds)?;
                match op {
                    BinOp::Add => Some((a_lo + b_lo, a_hi + b_hi)),
                    BinOp::Sub => Some((a_lo - b_hi, a_hi - b_lo)),
                    BinOp::Mul => {
                        let c = [a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi];
                        Some((
                            c.iter().copied().fold(f64::INFINITY, f64::min),
                            c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                        ))
                    }
                    BinOp::Div => {
                        if b_lo <= 0.0 && b_hi >= 0.0 {
                            return None;
                        }
                        let c = [a_lo / b_lo, a_lo / b_hi, a_hi / b_lo, a_hi / b_hi];
                        Some((
                            c.iter().copied().fold(f64::INFINITY, f64::min),
                            c.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                        ))
                    }
                }
            }
        }
    }
}

impl Comparison {
    /// True when the point satisfies the constraint (`==` within `tolerance`).
    pub fn holds(&self, values: &HashMap<&str, f64>, tolerance: f64) -> bool {
        let d = self.lhs.eval(values) - self.rhs.eval(values);
        match self.op {
            CmpOp::Le => d <= 0.0,
            CmpOp::Ge => d >= 0.0,
            CmpOp::Lt => d < 0.0,
            CmpOp::Gt => d > 0.0,
            CmpOp::Eq => d.abs() <= tolerance,
        }
    }

    /// True when interval arithmetic proves no point of `bounds` satisfies the constraint.
    /// Exact for linear constraints in which each parameter appears once; never a false alarm.
    pub fn provably_infeasible(&self, bounds: &HashMap<&str, (f64, f64)>, tolerance: f64) -> bool {
        let diff = Expr::Binary(
            Box::new(self.lhs.clone()),
            BinOp::Sub,
            Box::new(self.rhs.clone()),
        );
        let Some((lo, hi)) = diff.interval(bounds) else {
            return false;
        };
        match self.op {
            CmpOp::Le => lo > 0.0,
            CmpOp::Lt => lo >= 0.0,
            CmpOp::Ge => hi < 0.0,
            CmpOp::Gt => hi <= 0.0,
            CmpOp::Eq => lo > tolerance || hi < -tolerance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals<'a>(pairs: &[(&'a str, f64)]) -> HashMap<&'a str, f64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn parses_precedence_and_evaluates() {
        let c = parse("2 * x + y / 4 - (1 - z) <= 10").unwrap();
        let v = vals(&[("x", 3.0), ("y", 8.0), ("z", 0.5)]);
        assert!((c.lhs.eval(&v) - 7.5).abs() < 1e-12);
        assert!(c.holds(&v, 1e-6));
        let mut names = Vec::new();
        c.lhs.variables(&mut names);
        assert_eq!(names, ["x", "y", "z"]);
        assert_eq!(
            parse("-x >= -1e-3").unwrap().rhs,
            Expr::Neg(Box::new(Expr::Number(1e-3)))
        );
    }

    #[test]
    fn chained_comparisons_are_rejected_with_a_hint() {
        let err = parse("0 < x < 1").unwrap_err();
        assert!(err.message.contains("chained comparisons"), "{err}");
        assert_eq!(err.position, 6);
    }

    #[test]
    fn malformed_expressions_say_where() {
        for (src, needle) in [
            ("x <= ", "ends too early"),
            ("x + <= 1", "expected a number"),
            ("x <= (y", "missing ')'"),
            ("x = 1", "use '=='"),
            ("x # 2 < 1", "unexpected character"),
            ("x + y", "needs one comparison"),
            ("x < 1 2", "unexpected text"),
        ] {
            let err = parse(src).unwrap_err();
            assert!(err.message.contains(needle), "{src}: {err}");
        }
    }

    #[test]
    fn equality_uses_the_tolerance() {
        let c = parse("x + y == 1").unwrap();
        assert!(c.holds(&vals(&[("x", 0.4), ("y", 0.6000001)]), 1e-6));
        assert!(!c.holds(&vals(&[("x", 0.4), ("y", 0.61)]), 1e-6));
    }

    #[test]
    fn infeasible_linear_constraints_are_detected() {
        let b: HashMap<&str, (f64, f64)> =
            [("x", (0.0, 1.0)), ("y", (0.0, 1.0))].into_iter().collect();
        assert!(parse("x + y >= 3").unwrap().provably_infeasible(&b, 1e-6));
        assert!(parse("x + y == 5").unwrap().provably_infeasible(&b, 1e-6));
        assert!(!parse("x + y >= 1.5").unwrap().provably_infeasible(&b, 1e-6));
        assert!(
            !parse("x / (y - 0.5) > 100")
                .unwrap()
                .provably_infeasible(&b, 1e-6),
            "unbounded: unknown"
        );
    }
}
