from setup import *
import decimal
def s(name, e, model=Loan):
    q = model.objects.annotate(x=e).values_list("x")
    sq, p = q.query.sql_with_params()
    sel = sq[len("SELECT "):sq.index(" FROM ")]
    print(f"{name:14} {sel}   {p}")
s("mul", F("fee") * 2)
s("sum", Sum("fee"))
s("avg", Avg("fee"))
s("coal", Coalesce("fee", Value(decimal.Decimal("1.5"))))
s("val", Value(decimal.Decimal("1.5")))
s("case", Case(When(fee__gt=1, then=F("fee")), default=Value(decimal.Decimal("0"))))
s("wrap", ExpressionWrapper(F("fee") * F("book__pages"), output_field=DecimalField(max_digits=12, decimal_places=2)))
s("cast", Cast("fee", IntegerField()))
s("castdec", Cast("book__pages", DecimalField(max_digits=5, decimal_places=1)))
s("round", Round("fee"))
s("abs", Abs("fee"))
s("pow", F("fee") ** 2)
s("fltarith", F("book__pages") * 1.5)
